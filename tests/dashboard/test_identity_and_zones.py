"""The right patient and the right time: last name, date of birth and record number on every screen
and in the search; every time in the clinic's zone with the zone named, the patient's own beside it."""
from __future__ import annotations

from datetime import datetime

from bot.models import AuditLog, Clinic
from tests.dashboard.conftest import add_escalation, add_patient, add_reply


def _two_anas(rt, accounts):
    reyes = add_patient(rt, accounts.clinic_a, name="Ana", phone="+12025550143", last_name="Reyes",
                        date_of_birth="1961-04-12", record_number="MRN-0042")
    other = add_patient(rt, accounts.clinic_a, name="Ana", phone="+12025550144", last_name="Reyes",
                        date_of_birth="1979-10-02")
    moreno = add_patient(rt, accounts.clinic_a, name="Luis", phone="+12025550145", last_name="Moreno",
                         date_of_birth="1961-04-12")
    return reyes, other, moreno


def _listed(html: str, patient) -> bool:
    return f'href="/dashboard/patients/{patient.id}"' in html


def test_search_by_last_name_date_of_birth_and_record_number(rt, accounts, coord_client):
    reyes, other, moreno = _two_anas(rt, accounts)
    by_name = coord_client.get("/dashboard/patients?q=reyes").get_data(as_text=True)
    assert _listed(by_name, reyes) and _listed(by_name, other) and not _listed(by_name, moreno)
    both = coord_client.get("/dashboard/patients?q=Reyes+1961-04-12").get_data(as_text=True)
    assert _listed(both, reyes) and not _listed(both, other) and not _listed(both, moreno)
    us_order = coord_client.get("/dashboard/patients?q=reyes+04/12/1961").get_data(as_text=True)
    assert _listed(us_order, reyes) and not _listed(us_order, other)
    by_dob = coord_client.get("/dashboard/patients?q=1961-04-12").get_data(as_text=True)
    assert _listed(by_dob, reyes) and _listed(by_dob, moreno) and not _listed(by_dob, other)
    by_record = coord_client.get("/dashboard/patients?q=mrn-0042").get_data(as_text=True)
    assert _listed(by_record, reyes) and not _listed(by_record, other)
    assert "1961-04-12" in by_record and "MRN-0042" in by_record and ">Reyes<" in by_record


def test_identity_on_the_patient_page_and_escalation_card(rt, accounts, coord_client):
    reyes, _other, _moreno = _two_anas(rt, accounts)
    esc = add_escalation(rt, reyes)
    for path in (f"/dashboard/patients/{reyes.id}", f"/dashboard/escalations/{esc}", "/dashboard/escalations"):
        html = coord_client.get(path).get_data(as_text=True)
        assert "Reyes" in html and "1961-04-12" in html and "MRN-0042" in html, path


def test_times_are_in_the_clinics_zone_named_with_the_patients_own_beside(rt, accounts, coord_client):
    with rt.session() as s:
        s.get(Clinic, accounts.clinic_a).settings = {"timezone": "America/Chicago"}
    ana = add_patient(rt, accounts.clinic_a, timezone="America/New_York")
    add_reply(rt, ana, "my back is sore today", at=datetime(2026, 11, 30, 19, 22), sid="SMzone1")
    html = coord_client.get(f"/dashboard/patients/{ana.id}").get_data(as_text=True)
    # The reply came at 13:22 in Chicago (the clinic), 14:22 in New York (the patient).
    assert "Nov 30 13:22 CST (patient 14:22 EST)" in html


def test_audit_log_is_shown_in_the_clinics_zone(rt, accounts, admin_client):
    with rt.session() as s:
        s.get(Clinic, accounts.clinic_a).settings = {"timezone": "America/Chicago"}
        s.add(AuditLog(at=datetime(2026, 7, 1, 17, 5, 9), actor="Dana Whitfield <dana.admin@riverside.example>",
                       action="probe", subject="enrollment:1"))
    html = admin_client.get("/dashboard/audit").get_data(as_text=True)
    assert "When (America/Chicago)" in html and "2026-07-01 12:05:09 CDT" in html


def test_enroll_form_requires_last_name_and_date_of_birth(rt, accounts, coord_client):
    from tests.dashboard.conftest import post

    response = post(coord_client, "/dashboard/enroll", {"first_name": "Ana", "phone": "202 555 0143",
                                                        "surgery_date": "2026-11-20", "timezone": "America/New_York",
                                                        "language": "en", "pathway": "lumbar-fusion"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "last_name: required" in html and "date_of_birth: required" in html


def test_the_api_requires_and_returns_the_identity(client, api_headers):
    base = {"first_name": "Ana", "phone": "+12025550143", "surgery_date": "2026-11-20",
            "timezone": "America/New_York", "language": "en"}
    refused = client.post("/api/v1/enrollments", json=base, headers=api_headers)
    assert refused.status_code == 400
    assert "last_name: required" in refused.json["errors"] and any(
        e.startswith("date_of_birth: required") for e in refused.json["errors"])
    created = client.post("/api/v1/enrollments", headers=api_headers, json={
        **base, "last_name": "Reyes", "date_of_birth": "1961-04-12", "record_number": "MRN-0042"})
    assert created.status_code == 201
    body = client.get(f"/api/v1/enrollments/{created.json['id']}", headers=api_headers).json
    assert (body["last_name"], body["date_of_birth"], body["record_number"]) == ("Reyes", "1961-04-12", "MRN-0042")
