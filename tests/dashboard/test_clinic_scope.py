"""A coordinator sees their own clinic's patients only: by list, by id, by action."""
from __future__ import annotations

from sqlalchemy import select

from bot import review
from bot.accounts import create_token
from bot.models import ApiToken, Enrollment, Inbound, Outbox, ReviewItem
from bot.timeutil import utcnow
from tests.dashboard.conftest import add_escalation, add_patient, post


def test_another_clinics_patient_is_404_by_id(rt, accounts, coord_client, other_client):
    ana = add_patient(rt, accounts.clinic_a, name="Ana")
    esc = add_escalation(rt, ana)
    assert coord_client.get(f"/dashboard/patients/{ana.id}").status_code == 200
    assert other_client.get(f"/dashboard/patients/{ana.id}").status_code == 404
    assert other_client.get(f"/dashboard/escalations/{esc}").status_code == 404
    assert other_client.get(f"/dashboard/patients/{ana.id + 1000}").status_code == 404  # same answer as missing


def test_another_clinics_patient_cannot_be_changed_or_texted(rt, accounts, other_client):
    ana = add_patient(rt, accounts.clinic_a, name="Ana")
    esc = add_escalation(rt, ana)
    for path, data in ((f"/dashboard/patients/{ana.id}/pause", {}), (f"/dashboard/patients/{ana.id}/unenroll", {}),
                       (f"/dashboard/patients/{ana.id}/text", {"body": "hello"}),
                       (f"/dashboard/escalations/{esc}/ack", {}),
                       (f"/dashboard/escalations/{esc}/resolve", {"note": "x"})):
        assert post(other_client, path, data).status_code == 404, path
    with rt.session() as s:
        assert s.get(Enrollment, ana.id).status == "active"
        assert not s.scalars(select(Outbox).where(Outbox.kind == "oneoff")).all()


def test_roster_and_queue_list_only_the_clinics_own(rt, accounts, coord_client, other_client):
    ana = add_patient(rt, accounts.clinic_a, name="Anabel", phone="+12025550143")
    bo = add_patient(rt, accounts.clinic_b, name="Borislav", phone="+12025550144")
    add_escalation(rt, ana, code="AAA222")
    add_escalation(rt, bo, code="BBB333")
    mine, theirs = coord_client.get("/dashboard/patients").get_data(as_text=True), \
        other_client.get("/dashboard/patients").get_data(as_text=True)
    assert "Anabel" in mine and "Borislav" not in mine
    assert "Borislav" in theirs and "Anabel" not in theirs
    queue = coord_client.get("/dashboard/escalations").get_data(as_text=True)
    assert "AAA222" in queue and "BBB333" not in queue


def test_an_escalation_from_an_unknown_number_is_the_default_clinics_alone(rt, accounts, coord_client, other_client):
    # The default clinic (CLINIC_NAME, Riverside) is paged for it; Hillcrest neither reads the stranger's
    # text nor acknowledges it (which would stop Riverside's pages).
    esc = add_escalation(rt, None, code="UNK777")
    assert "UNK777" in coord_client.get("/dashboard/escalations").get_data(as_text=True)
    assert "UNK777" not in other_client.get("/dashboard/escalations").get_data(as_text=True)
    assert other_client.get(f"/dashboard/escalations/{esc}").status_code == 404
    assert post(other_client, f"/dashboard/escalations/{esc}/ack").status_code == 404


def test_a_review_item_from_an_unknown_number_is_the_default_clinics_alone(rt, accounts, coord_client, other_client):
    with rt.session() as s:
        msg = Inbound(message_sid="SM" + "7" * 32, from_phone="+12025550177", body="who is this? Zelda here",
                      received_at=utcnow())
        s.add(msg)
        s.flush()
        review.add(s, rt, None, msg.id, "unknown_sender", utcnow())
        s.commit()
        item = s.scalars(select(ReviewItem)).one().id
    assert "Zelda" in coord_client.get("/dashboard/review").get_data(as_text=True)
    assert "Zelda" not in other_client.get("/dashboard/review").get_data(as_text=True)
    assert post(other_client, f"/dashboard/review/{item}/resolve").status_code == 404


def test_the_api_and_the_dashboard_show_each_clinic_the_same_escalations(rt, client, accounts, coord_client,
                                                                         other_client):
    ana = add_patient(rt, accounts.clinic_a, name="Anabel", phone="+12025550143")
    bo = add_patient(rt, accounts.clinic_b, name="Borislav", phone="+12025550144")
    made = {add_escalation(rt, ana, code="AAA222"): "AAA222", add_escalation(rt, bo, code="BBB333"): "BBB333",
            add_escalation(rt, None, code="UNK777"): "UNK777"}
    with rt.session() as s:
        tokens = {clinic: create_token(s, clinic, "ehr", "test") for clinic in (accounts.clinic_a, accounts.clinic_b)}
    seen = {}
    for clinic, web in ((accounts.clinic_a, coord_client), (accounts.clinic_b, other_client)):
        headers = {"Authorization": f"Bearer {tokens[clinic]}"}
        api = {e["code"] for e in client.get("/api/v1/escalations", headers=headers).get_json()["escalations"]}
        queue = web.get("/dashboard/escalations").get_data(as_text=True)
        assert api == {code for code in made.values() if code in queue}
        for esc, code in made.items():
            by_api = client.post(f"/api/v1/escalations/{esc}/ack", headers=headers, json={"by": "nobody"})
            assert (web.get(f"/dashboard/escalations/{esc}").status_code == 200) == (code in api)
            assert (by_api.status_code != 404) == (code in api)
        seen[clinic] = api
    assert seen == {accounts.clinic_a: {"AAA222", "UNK777"}, accounts.clinic_b: {"BBB333"}}


def test_enrolling_from_the_dashboard_puts_the_patient_in_the_users_clinic(rt, accounts, other_client):
    post(other_client, "/dashboard/enroll", {"first_name": "Cleo", "last_name": "Reyes", "date_of_birth": "1961-04-12",
                                             "phone": "202 555 0145",
                                             "surgery_date": "2026-11-20", "timezone": "America/Chicago",
                                             "language": "en", "pathway": "lumbar-fusion"})
    with rt.session() as s:
        assert s.scalars(select(Enrollment)).one().clinic_id == accounts.clinic_b


def test_an_admin_made_api_token_enrolls_into_the_admins_clinic(rt, client, accounts, admin_client):
    page = post(admin_client, "/dashboard/tokens", {"label": "EHR interface"}, page="/dashboard/tokens")
    token = page.get_data(as_text=True).split('<code class="token">')[1].split("</code>")[0]
    with rt.session() as s:
        row = s.scalars(select(ApiToken)).one()
        assert row.clinic_id == accounts.clinic_a and token not in row.token_hash and row.label == "EHR interface"
    assert token not in admin_client.get("/dashboard/tokens").get_data(as_text=True)  # shown once
    response = client.post("/api/v1/enrollments", headers={"Authorization": f"Bearer {token}"},
                           json={"first_name": "Dee", "last_name": "Reyes", "date_of_birth": "1961-04-12",
                                 "phone": "+12025550146", "surgery_date": "2026-11-20",
                                 "timezone": "America/New_York", "language": "en"})
    assert response.status_code == 201
    with rt.session() as s:
        assert s.get(Enrollment, response.get_json()["id"]).clinic_id == accounts.clinic_a
