"""The patient page shows a patient's options and changes them (issue 14); a change re-plans the texts
still to come (a text for an option the patient no longer has is cancelled)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.models import Enrollment
from bot.timeutil import utcnow
from tests.dashboard.conftest import post
from tests.helpers import enroll, outbox

# The dashboard's login session lives on the real clock, so these run at the real time: surgery 6 days
# ago puts day 8 (a brace day of the test pathway) inside the planning horizon.
NOW = utcnow()
# In the patient's own zone (New York): between 00:00 and 05:00 UTC the machine's date is a day ahead.
SURGERY = (datetime.now(ZoneInfo("America/New_York")).date() - timedelta(days=6)).isoformat()


def test_options_shown_changed_and_texts_replanned(rt, admin_client):
    e = enroll(rt, NOW, brace="no", surgery_date=SURGERY)
    page = admin_client.get(f"/dashboard/patients/{e.id}").get_data(as_text=True)
    assert "Bone graft taken from the hip" in page and "In force: brace no" in page
    assert not [r for r in outbox(rt) if r.step == "brace" and r.status == "planned"]
    answer = post(admin_client, f"/dashboard/patients/{e.id}/options",
                      {"brace": "yes", "hip_graft": "", "approach": "lateral", "lifting_limit_lb": "8",
                       "sitting_limit_min": ""}, page=f"/dashboard/patients/{e.id}")
    assert answer.status_code == 302
    page = admin_client.get(f"/dashboard/patients/{e.id}").get_data(as_text=True)
    assert "In force: brace yes" in page and "approach lateral" in page and "lifting limit 8 lb" in page
    assert [r for r in outbox(rt) if r.step == "brace" and r.status == "planned"]  # the test pathway's brace step
    post(admin_client, f"/dashboard/patients/{e.id}/options", {"brace": "no"}, page=f"/dashboard/patients/{e.id}")
    assert not [r for r in outbox(rt) if r.step == "brace" and r.status == "planned"]
    with rt.session() as s:
        # the form sends every field: the ones left blank go back to the team default
        assert s.get(Enrollment, e.id).options == {"brace": False}


def test_a_bad_option_is_refused_and_nothing_changes(rt, admin_client):
    e = enroll(rt, NOW, surgery_date=SURGERY)
    post(admin_client, f"/dashboard/patients/{e.id}/options", {"lifting_limit_lb": "lots"},
         page=f"/dashboard/patients/{e.id}")
    page = admin_client.get(f"/dashboard/patients/{e.id}").get_data(as_text=True)
    assert "lifting_limit_lb" in page and "is not a whole number" in page
    with rt.session() as s:
        assert not s.get(Enrollment, e.id).options


def test_a_pre_op_patient_shows_when_the_texts_start(rt, admin_client):
    e = enroll(rt, NOW, surgery_date=(NOW + timedelta(days=20)).date().isoformat())
    page = admin_client.get(f"/dashboard/patients/{e.id}").get_data(as_text=True)
    assert f"starts on {(NOW + timedelta(days=20)).date().isoformat()}" in page and "Day since surgery" not in page


def test_the_roster_says_starts_on_for_a_pre_op_patient(rt, admin_client):
    e = enroll(rt, NOW, surgery_date=(NOW + timedelta(days=20)).date().isoformat())
    page = admin_client.get("/dashboard/patients").get_data(as_text=True)
    assert f"starts on {(NOW + timedelta(days=20)).date().isoformat()}" in page and e.id


def test_the_enroll_form_takes_the_options(rt, coord_client):
    form = {"first_name": "Ana", "last_name": "Reyes", "date_of_birth": "1961-04-12", "phone": "202 555 0143",
            "surgery_date": SURGERY, "timezone": "America/New_York", "language": "en", "pathway": "lumbar-fusion",
            "brace": "yes", "hip_graft": "yes", "approach": "lateral", "lifting_limit_lb": "8",
            "sitting_limit_min": ""}
    assert post(coord_client, "/dashboard/enroll", form).status_code == 302
    with rt.session() as s:
        [e] = s.query(Enrollment).all()
        assert e.options == {"brace": True, "hip_graft": True, "approach": "lateral", "lifting_limit_lb": 8}
