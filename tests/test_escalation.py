"""Red flags end to end through the real twilio client, and the on-call ladder until someone acknowledges."""
from datetime import datetime, timedelta

import time_machine

from bot.jobs import tick
from bot.models import AuditLog, Escalation, ReviewItem
from tests.helpers import add_coordinator, enroll, reply, sms

NOW = datetime(2026, 11, 22, 3, 30)  # 22:30 in New York: quiet hours do not hold safety texts


def setup_team(rt):
    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    add_coordinator(rt, "Lee Okafor", "+12025550182", 2)
    add_coordinator(rt, "Sam Ortiz", "+12025550183", None)


def escalations(rt):
    with rt.session() as s:
        return s.query(Escalation).order_by(Escalation.id).all()


def pages_to(fake_twilio, phone):
    return [m.body for m in fake_twilio.to(phone)]


def test_emergency_tells_the_patient_to_call_911_and_pages_rank_one(client, rt, fake_twilio):
    setup_team(rt)
    enroll(rt, NOW - timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        answer = reply(client, fake_twilio, "chest pain and I cant catch my breath", "SM" + "1" * 32)
    assert "Call 911 now" in answer
    [page] = pages_to(fake_twilio, "+12025550181")
    assert page.startswith("[EMERGENCY] Patient Ana R. (enrollment 1): chest_or_breathing")
    assert "Reyes" not in page and "1961" not in page  # first name and last initial only
    assert "+12025550143" not in page and "https://postop.example.org/dashboard/escalations/1" in page
    assert pages_to(fake_twilio, "+12025550182") == []
    [esc] = escalations(rt)
    assert esc.code in page and esc.status == "open" and esc.next_page_at == NOW + timedelta(minutes=5)


def test_self_harm_points_to_988(client, rt, fake_twilio):
    setup_team(rt)
    enroll(rt, NOW - timedelta(days=1), language="es")
    answer = reply(client, fake_twilio, "ya no quiero vivir", "SM" + "2" * 32)
    assert "988" in answer


def test_urgent_asks_to_call_the_surgeon_and_pages(client, rt, fake_twilio):
    setup_team(rt)
    enroll(rt, NOW - timedelta(days=1))
    answer = reply(client, fake_twilio, "temp is 101.8 and the incision is red", "SM" + "3" * 32)
    assert "call your surgeon's office now at +12025550111" in answer and "alerted" in answer
    assert escalations(rt)[0].tier == "urgent"
    assert len(pages_to(fake_twilio, "+12025550181")) == 1


def test_routine_is_acknowledged_and_queued_without_a_page(client, rt, fake_twilio):
    setup_team(rt)
    enroll(rt, NOW - timedelta(days=1))
    answer = reply(client, fake_twilio, "can I take a shower yet?", "SM" + "4" * 32)
    assert "a nurse will read your message" in answer and "call 911" in answer
    assert escalations(rt) == [] and pages_to(fake_twilio, "+12025550181") == []
    with rt.session() as s:
        assert s.query(ReviewItem).filter_by(reason="routine_reply").count() == 1


def test_ladder_rank_one_then_rank_two_then_everyone_again(client, rt, fake_twilio):
    setup_team(rt)
    enroll(rt, NOW - timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        sms(client, "my legs gave out and I can't stand", "SM" + "5" * 32)
    assert len(pages_to(fake_twilio, "+12025550181")) == 1
    for minutes, expected in [(4, (1, 0, 0)), (5, (1, 1, 0)), (10, (2, 2, 1)), (15, (3, 3, 2))]:
        moment = NOW + timedelta(minutes=minutes)
        with time_machine.travel(moment, tick=False):
            tick(rt, moment)
        counts = tuple(len(pages_to(fake_twilio, p)) for p in ("+12025550181", "+12025550182", "+12025550183"))
        assert counts == expected, (minutes, counts)


def test_ack_by_text_from_the_registered_phone_stops_the_ladder(client, rt, fake_twilio):
    setup_team(rt)
    enroll(rt, NOW - timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        sms(client, "coughed up blood", "SM" + "6" * 32)
    code = escalations(rt)[0].code
    stranger = reply(client, fake_twilio, f"ACK {code}", "SM" + "7" * 32, sender="+12025550170")
    assert "We do not know your number" in stranger and escalations(rt)[0].status == "open"
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        answer = reply(client, fake_twilio, f"ack {code.lower()}", "SM" + "8" * 32, sender="+12025550182")
    assert "acknowledged by Lee Okafor" in answer
    esc = escalations(rt)[0]
    assert (esc.status, esc.acknowledged_by, esc.acknowledged_at) == ("acknowledged", "Lee Okafor",
                                                                       NOW + timedelta(minutes=2))
    later = NOW + timedelta(minutes=30)
    with time_machine.travel(later, tick=False):
        tick(rt, later)
    assert len(pages_to(fake_twilio, "+12025550181")) == 1
    assert [m for m in pages_to(fake_twilio, "+12025550182") if "[EMERGENCY]" in m] == []  # only the ACK answer
    with rt.session() as s:
        actions = [a.action for a in s.query(AuditLog).order_by(AuditLog.id)]
    assert actions.count("escalation_opened") == 1 and "escalation_acknowledged" in actions


def test_ack_and_resolve_through_the_api(client, rt, api_headers):
    setup_team(rt)
    enroll(rt, NOW - timedelta(days=1))
    sms(client, "passed out in the kitchen", "SM" + "9" * 32)
    listed = client.get("/api/v1/escalations?status=open", headers=api_headers).get_json()["escalations"]
    assert [e["tier"] for e in listed] == ["emergency"] and listed[0]["next_page_in_seconds"] is not None
    esc_id = listed[0]["id"]
    anonymous = client.post(f"/api/v1/escalations/{esc_id}/ack", json={}, headers=api_headers)
    assert anonymous.status_code == 400
    acked = client.post(f"/api/v1/escalations/{esc_id}/ack", json={"by": "Dana Whitfield"}, headers=api_headers)
    assert acked.status_code == 200 and acked.get_json()["status"] == "acknowledged"
    assert client.post(f"/api/v1/escalations/{esc_id}/ack", json={"by": "Dana"}, headers=api_headers).status_code == 409
    no_note = client.post(f"/api/v1/escalations/{esc_id}/resolve", json={"by": "Dana"}, headers=api_headers)
    assert no_note.status_code == 409
    done = client.post(f"/api/v1/escalations/{esc_id}/resolve",
                       json={"by": "Dana Whitfield", "note": "Called patient, sent to ED"}, headers=api_headers)
    assert done.get_json()["status"] == "resolved"
    assert client.get("/api/v1/escalations?status=open", headers=api_headers).get_json()["escalations"] == []


def test_free_text_with_no_flag_still_reaches_a_person_but_short_thanks_do_not(client, rt, fake_twilio):
    enroll(rt, NOW - timedelta(days=1))
    assert reply(client, fake_twilio, "ok thanks!", "SM" + "a" * 32).startswith("Thank you, Ana. We got")
    reply(client, fake_twilio, "the neighbour brought soup and we watched a film", "SM" + "b" * 32)
    with rt.session() as s:
        assert [r.reason for r in s.query(ReviewItem)] == ["free_text"]
    assert escalations(rt) == []


def test_an_ack_from_an_unknown_phone_is_answered_in_english_whatever_the_code_looks_like(client, rt, fake_twilio):
    # "BZ98LE" splits into "bz", "98", "le": "le" alone would make the reply Spanish
    answer = reply(client, fake_twilio, "ACK BZ98LE", "SM" + "9" * 32, sender="+12025550170")
    assert "We do not know your number" in answer
