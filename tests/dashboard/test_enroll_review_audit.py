"""Enroll by form and CSV (every bad line shown, nothing imported), the review queue, the audit log."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from bot.models import Enrollment, Inbound, ReviewItem
from tests.dashboard.conftest import add_patient, add_reply, post

GOOD = {"first_name": "Ana", "last_name": "Reyes", "date_of_birth": "1961-04-12",
        "phone": "202 555 0143", "surgery_date": "2026-11-20", "timezone": "America/New_York",
        "language": "en", "pathway": "lumbar-fusion"}


def count(rt) -> int:
    with rt.session() as s:
        return s.scalar(select(func.count(Enrollment.id)))


def test_enroll_form_shows_every_problem_and_keeps_the_values(rt, accounts, coord_client):
    bad = {**GOOD, "phone": "12", "timezone": "Mars/Olympus", "first_name": "<i>Ana</i>"}
    response = post(coord_client, "/dashboard/enroll", bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "phone: " in html and "timezone: " in html and "Nothing was saved" in html
    assert 'value="&lt;i&gt;Ana&lt;/i&gt;"' in html
    assert count(rt) == 0
    ok = post(coord_client, "/dashboard/enroll", GOOD)
    assert ok.status_code == 302 and count(rt) == 1
    assert "already enrolled" in post(coord_client, "/dashboard/enroll", GOOD).get_data(as_text=True)


def test_csv_with_bad_lines_imports_nothing_and_lists_each_line(rt, accounts, coord_client):
    text = ("first_name,last_name,date_of_birth,record_number,phone,surgery_date,timezone,language\n"
            "Ana,Reyes,1961-04-12,MRN-0042,+12025550143,2026-11-20,America/New_York,en\n"
            "Bo,Lind,1980-02-02,,not-a-phone,2026-11-20,America/New_York,en\n"
            "Cy,Chen,1970-01-05,,+12025550145,2026-02-31,America/New_York,xx\n")
    response = post(coord_client, "/dashboard/enroll/csv",
                    {"file": (io.BytesIO(text.encode()), "patients.csv")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was imported" in html
    assert "line 3: phone:" in html and "line 4: surgery_date:" in html and "line 4: language:" in html
    assert count(rt) == 0
    fixed = text.replace("not-a-phone", "+12025550144").replace("2026-02-31", "2026-11-19").replace(",xx", ",es")
    ok = post(coord_client, "/dashboard/enroll/csv", {"file": (io.BytesIO(fixed.encode()), "patients.csv")},
              content_type="multipart/form-data", follow_redirects=True)
    assert "Imported 3 patient(s)" in ok.get_data(as_text=True) and count(rt) == 3


def test_review_queue_lists_unresolved_items_and_resolves_them(rt, accounts, coord_client, other_client):
    ana = add_patient(rt, accounts.clinic_a)
    inbound = add_reply(rt, ana, "Can I drive yet?", sid="SMr1")
    with rt.session() as s:
        s.add(ReviewItem(enrollment_id=ana.id, inbound_id=inbound, reason="routine_reply"))
        unknown = Inbound(message_sid="SMr2", from_phone="+12025550188", body="who is this?")
        s.add(unknown)
        s.flush()
        s.add(ReviewItem(inbound_id=unknown.id, reason="unknown_sender"))
    html = coord_client.get("/dashboard/review").get_data(as_text=True)
    assert "Can I drive yet?" in html and "routine reply" in html and "who is this?" in html
    assert "+12025550188" not in html  # unknown numbers masked
    theirs = other_client.get("/dashboard/review").get_data(as_text=True)
    # a stranger's text is the default clinic's (Riverside), as its escalation would be
    assert "Can I drive yet?" not in theirs and "who is this?" not in theirs
    with rt.session() as s:
        item_id = s.scalars(select(ReviewItem.id).where(ReviewItem.reason == "routine_reply")).one()
    assert post(other_client, f"/dashboard/review/{item_id}/resolve").status_code == 404
    post(coord_client, f"/dashboard/review/{item_id}/resolve")
    with rt.session() as s:
        assert s.get(ReviewItem, item_id).resolved_by == "Sam Ortega"
    assert "Can I drive yet?" not in coord_client.get("/dashboard/review").get_data(as_text=True)


def test_audit_log_shows_the_clinics_events_to_its_admins(rt, accounts, admin_client, other_client):
    ana = add_patient(rt, accounts.clinic_a)
    page = f"/dashboard/patients/{ana.id}"
    post(admin_client, f"{page}/pause", page=page)
    html = admin_client.get("/dashboard/audit").get_data(as_text=True)
    assert "pause" in html and f"enrollment:{ana.id}" in html and "Dana Whitfield" in html and "login" in html
    assert "lee.coord" not in html  # another clinic's logins
    assert other_client.get("/dashboard/audit").status_code == 403


def test_review_queue_shows_age_deadline_and_late_items_first(rt, accounts, coord_client):
    from datetime import timedelta

    from bot.timeutil import utcnow

    ana = add_patient(rt, accounts.clinic_a)
    now = utcnow()
    with rt.session() as s:
        s.add(ReviewItem(enrollment_id=ana.id, inbound_id=add_reply(rt, ana, "later one", sid="SMd1"),
                         reason="routine_reply", created_at=now - timedelta(minutes=5), due_at=now + timedelta(days=1)))
        s.add(ReviewItem(enrollment_id=ana.id, inbound_id=add_reply(rt, ana, "overdue one", sid="SMd2"),
                         reason="free_text", created_at=now - timedelta(hours=3), due_at=now - timedelta(hours=2)))
    html = coord_client.get("/dashboard/review").get_data(as_text=True)
    assert html.index("overdue one") < html.index("later one")
    assert html.count("late: was due") == 1 and 'class="review late"' in html
    assert "received 3 h 0 min ago" in html and "received 5 min ago" in html


def test_a_red_banner_says_when_nobody_is_on_call(rt, accounts, coord_client):
    from tests.helpers import add_coordinator

    assert "Nobody on call" in coord_client.get("/dashboard/review").get_data(as_text=True)
    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    assert "Nobody on call" not in coord_client.get("/dashboard/review").get_data(as_text=True)
