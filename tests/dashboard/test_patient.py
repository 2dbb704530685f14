"""The patient page: thread (always escaped), pathway, pain chart, pause/resume/unenroll, one-off text."""
from __future__ import annotations

from sqlalchemy import select

from bot.models import AuditLog, Enrollment, OptOut, Outbox
from tests.dashboard.conftest import add_pain, add_patient, add_reply, post

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


def test_patient_text_is_always_escaped(rt, accounts, coord_client):
    ana = add_patient(rt, accounts.clinic_a)
    inbound_id = add_reply(rt, ana, XSS[0], sid="SMxss1")
    add_reply(rt, ana, XSS[1], sid="SMxss2")
    from tests.dashboard.conftest import add_escalation
    esc = add_escalation(rt, ana, inbound_id=inbound_id)
    with rt.session() as s:
        s.get(Enrollment, ana.id).first_name = "<b>Ana</b>"
    for path in (f"/dashboard/patients/{ana.id}", "/dashboard/escalations", f"/dashboard/escalations/{esc}",
                 "/dashboard/patients"):
        html = coord_client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>Ana</b>" not in html, path
    html = coord_client.get(f"/dashboard/patients/{ana.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_thread_pathway_and_pain_chart(rt, accounts, coord_client):
    ana = add_patient(rt, accounts.clinic_a, days_ago=2)
    add_reply(rt, ana, "my back is sore today", sid="SMt1")
    add_pain(rt, ana, [6, 5])
    with rt.session() as s:
        first = s.scalars(select(Outbox).where(Outbox.enrollment_id == ana.id).order_by(Outbox.due_at)).first()
        first.status, first.body, first.sent_at = "failed", "Walk a little today.", first.due_at
        first.error_message = "Twilio refused: 30003"
    html = coord_client.get(f"/dashboard/patients/{ana.id}").get_data(as_text=True)
    assert "my back is sore today" in html and "Walk a little today." in html
    assert "st-failed" in html and "Twilio refused: 30003" in html
    assert ">upcoming<" in html  # planned rows are shown as upcoming
    assert '<svg class="chart"' in html and "pain score over time, 2 answers" in html


def test_pause_resume_unenroll_buttons(rt, accounts, coord_client):
    ana = add_patient(rt, accounts.clinic_a)
    page = f"/dashboard/patients/{ana.id}"
    assert post(coord_client, f"{page}/pause", page=page).status_code == 302
    with rt.session() as s:
        assert s.get(Enrollment, ana.id).status == "paused"
    assert "Resume texts" in coord_client.get(page).get_data(as_text=True)
    post(coord_client, f"{page}/resume", page=page)
    post(coord_client, f"{page}/unenroll", page=page)
    with rt.session() as s:
        assert s.get(Enrollment, ana.id).status == "unenrolled"
        actors = {a.actor for a in s.scalars(select(AuditLog).where(AuditLog.subject == f"enrollment:{ana.id}"))}
        assert "Sam Ortega <sam.coord@riverside.example>" in actors
    again = post(coord_client, f"{page}/resume", page=page, follow_redirects=True)
    assert "cannot resume an enrollment that is unenrolled" in again.get_data(as_text=True)


def test_one_off_text_goes_to_the_outbox(rt, accounts, coord_client):
    ana = add_patient(rt, accounts.clinic_a)
    page = f"/dashboard/patients/{ana.id}"
    post(coord_client, f"{page}/text", {"body": "Dr. Lee wants to see you Tuesday."}, page=page)
    with rt.session() as s:
        row = s.scalars(select(Outbox).where(Outbox.kind == "oneoff")).one()
        assert (row.to_phone, row.body, row.urgent, row.status) == (ana.phone, "Dr. Lee wants to see you Tuesday.",
                                                                  False, "planned")
        assert row.key.startswith("oneoff:") and row.enrollment_id == ana.id


def test_one_off_text_refused_for_an_opted_out_number(rt, accounts, coord_client):
    ana = add_patient(rt, accounts.clinic_a)
    with rt.session() as s:
        s.add(OptOut(phone=ana.phone, source="sms"))
    page = f"/dashboard/patients/{ana.id}"
    response = post(coord_client, f"{page}/text", {"body": "hello"}, page=page, follow_redirects=True)
    assert "texted STOP" in response.get_data(as_text=True)
    too_long = post(coord_client, f"{page}/text", {"body": "x" * 700}, page=page, follow_redirects=True)
    assert "At most 640" in too_long.get_data(as_text=True)
    with rt.session() as s:
        assert not s.scalars(select(Outbox).where(Outbox.kind == "oneoff")).all()
