"""The queue: open first, emergency before urgent, oldest first; acknowledge and resolve by name."""
from __future__ import annotations

from sqlalchemy import select

from bot.models import AuditLog, Escalation
from tests.dashboard.conftest import add_escalation, add_patient, add_reply, post


def test_open_escalations_sorted_by_tier_then_age_with_time_to_next_page(rt, accounts, coord_client):
    ana = add_patient(rt, accounts.clinic_a, name="Ana", phone="+12025550143")
    bo = add_patient(rt, accounts.clinic_a, name="Bo", phone="+12025550144")
    add_escalation(rt, ana, tier="urgent", code="URG111", minutes_ago=30)
    add_escalation(rt, bo, tier="emergency", code="EMR222", minutes_ago=1)
    add_escalation(rt, bo, tier="emergency", code="EMR333", minutes_ago=9)
    add_escalation(rt, ana, tier="emergency", code="ACK444", minutes_ago=60, status="acknowledged")
    html = coord_client.get("/dashboard/escalations").get_data(as_text=True)
    open_part, rest = html.split("Acknowledged, not yet resolved")
    assert open_part.index("EMR333") < open_part.index("EMR222") < open_part.index("URG111")
    assert "ACK444" in rest and "ACK444" not in open_part
    assert "next page in" in open_part
    assert 'data-refresh="/dashboard/escalations/partial"' in html
    partial = coord_client.get("/dashboard/escalations/partial").get_data(as_text=True)
    assert "<html" not in partial and "EMR333" in partial


def test_acknowledge_then_resolve_with_a_note(rt, accounts, coord_client):
    ana = add_patient(rt, accounts.clinic_a)
    inbound = add_reply(rt, ana, "I have chest pain and can't breathe", sid="SMesc1")
    esc = add_escalation(rt, ana, inbound_id=inbound)
    detail = coord_client.get(f"/dashboard/escalations/{esc}").get_data(as_text=True)
    assert "I have chest pain and can&#39;t breathe" in detail and "Acknowledge" in detail
    post(coord_client, f"/dashboard/escalations/{esc}/ack", {"back": "queue"}, page="/dashboard/escalations")
    with rt.session() as s:
        row = s.get(Escalation, esc)
        assert (row.status, row.acknowledged_by, row.next_page_at) == ("acknowledged", "Sam Ortega", None)
    html = coord_client.get("/dashboard/escalations").get_data(as_text=True)
    assert "No open escalations." in html
    again = post(coord_client, f"/dashboard/escalations/{esc}/ack", page="/dashboard/escalations",
                 follow_redirects=True)
    assert "already acknowledged" in again.get_data(as_text=True)
    no_note = post(coord_client, f"/dashboard/escalations/{esc}/resolve", {"note": "  "},
                   page="/dashboard/escalations", follow_redirects=True)
    assert "needs a note" in no_note.get_data(as_text=True)
    post(coord_client, f"/dashboard/escalations/{esc}/resolve", {"note": "Called; sent to ER."},
         page="/dashboard/escalations")
    with rt.session() as s:
        row = s.get(Escalation, esc)
        assert (row.status, row.resolved_by, row.resolution_note) == ("resolved", "Sam Ortega", "Called; sent to ER.")
        actions = [a.action for a in s.scalars(select(AuditLog).where(AuditLog.subject == f"escalation:{esc}"))]
        assert "escalation_acknowledged" in actions and "escalation_resolved" in actions
