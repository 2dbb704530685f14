"""Paging that wakes someone: after the first rung of an emergency goes unacknowledged, the next page
is also a phone call through Twilio's Calls API; pressing 1 acknowledges; the outcome is recorded.
The fake Twilio answers the calls and presses the keys."""
from __future__ import annotations

from datetime import datetime, timedelta

import time_machine
from sqlalchemy import select

from bot.clinics import default_clinic
from bot.jobs import tick
from bot.models import Escalation, Outbox
from bot.outbox import Kind
from tests.conftest import PUBLIC_URL
from tests.helpers import add_coordinator, enroll, signed_post, sms

NOW = datetime(2026, 11, 22, 3, 30)  # 22:30 in New York, a Saturday night
DANA, LEE = "+12025550181", "+12025550182"


def _team(rt, page_calls: list[str] | None = None) -> None:
    add_coordinator(rt, "Dana Whitfield", DANA, 1)
    add_coordinator(rt, "Lee Okafor", LEE, 2)
    if page_calls is not None:
        with rt.session() as s:
            clinic = default_clinic(s, rt.settings)
            clinic.settings = {**(clinic.settings or {}), "page_calls": page_calls}


def _poster(client):
    def post(url: str, form: dict):
        return signed_post(client, url.removeprefix(PUBLIC_URL), form, url=url)
    return post


def _red_flag(client, rt, body: str, sid: str) -> None:
    enroll(rt, NOW - timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        assert sms(client, body, sid).status_code == 200


def _tick(rt, minutes: int) -> None:
    moment = NOW + timedelta(minutes=minutes)
    with time_machine.travel(moment, tick=False):
        tick(rt, moment)


def _calls(rt) -> list[Outbox]:
    with rt.session() as s:
        return list(s.scalars(select(Outbox).where(Outbox.kind == Kind.CALL).order_by(Outbox.id)))


def test_an_unanswered_emergency_rings_the_next_rung_who_presses_1_to_acknowledge(client, rt, fake_twilio):
    _team(rt)
    _red_flag(client, rt, "chest pain and I can't breathe", "SM" + "1" * 32)
    assert len(fake_twilio.to(DANA)) == 1 and not fake_twilio.calls  # the first rung: a text only
    _tick(rt, 5)
    [call] = fake_twilio.calls_to(LEE)
    assert len(fake_twilio.to(LEE)) == 1  # the text still goes too
    with rt.session() as s:
        code = s.scalars(select(Escalation.code)).one()
    assert "emergency page from Riverside Spine Center" in call.twiml and "Patient Ana R." in call.twiml
    assert ", ".join(code) in call.twiml and "Press 1 to acknowledge" in call.twiml and "Reyes" not in call.twiml
    assert call.status_callback.startswith(f"{PUBLIC_URL}/twilio/voice/status?outbox_id=")
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        said, status = fake_twilio.answer(call, _poster(client), digits="1")
    assert said.status_code == 200 and "Acknowledged by Lee Okafor" in said.get_data(as_text=True)
    assert status.status_code == 204
    with rt.session() as s:
        esc = s.scalars(select(Escalation)).one()
        assert (esc.status, esc.acknowledged_by) == ("acknowledged", "Lee Okafor")
    [row] = _calls(rt)
    assert (row.status, row.twilio_status, row.twilio_sid) == ("delivered", "completed", call.sid)
    assert row.answered_at == NOW + timedelta(minutes=6) and row.segments == 20  # seconds on the line
    _tick(rt, 30)
    assert len(fake_twilio.calls) == 1 and len(fake_twilio.to(DANA)) == 1  # paging stopped


def test_a_call_nobody_answers_is_recorded_and_the_ladder_goes_on(client, rt, fake_twilio):
    _team(rt)
    _red_flag(client, rt, "chest pain and I can't breathe", "SM" + "2" * 32)
    _tick(rt, 5)
    [call] = fake_twilio.calls_to(LEE)
    [status] = fake_twilio.answer(call, _poster(client), status="no-answer")
    assert status.status_code == 204
    assert [(r.status, r.twilio_status, r.answered_at) for r in _calls(rt)] == [("undelivered", "no-answer", None)]
    _tick(rt, 10)  # everyone again, each with a call
    assert len(fake_twilio.calls_to(DANA)) == 1 and len(fake_twilio.calls_to(LEE)) == 2


def test_urgent_pages_ring_only_where_the_clinic_asks_for_it(client, rt, fake_twilio):
    _team(rt)
    _red_flag(client, rt, "my incision is leaking pus and I have a fever", "SM" + "3" * 32)
    with rt.session() as s:
        assert s.scalars(select(Escalation.tier)).one() == "urgent"
    _tick(rt, 15)
    assert len(fake_twilio.to(LEE)) == 1 and not fake_twilio.calls


def test_a_clinic_can_ring_for_urgent_too_or_not_at_all(client, rt, fake_twilio):
    _team(rt, page_calls=["urgent"])
    _red_flag(client, rt, "my incision is leaking pus and I have a fever", "SM" + "4" * 32)
    _tick(rt, 15)
    assert len(fake_twilio.calls_to(LEE)) == 1


def test_a_clinic_that_turns_calls_off_gets_texts_only_for_emergencies_too(client, rt, fake_twilio):
    _team(rt, page_calls=[])
    _red_flag(client, rt, "chest pain and I can't breathe", "SM" + "8" * 32)
    _tick(rt, 5)
    _tick(rt, 10)  # the everyone-again round as well
    assert len(fake_twilio.to(LEE)) == 2 and not fake_twilio.calls


def test_a_key_other_than_1_or_another_clinics_coordinator_does_not_acknowledge(client, rt, fake_twilio):
    _team(rt)
    kim = add_coordinator(rt, "Kim Baptiste", "+12025550185", 1, clinic="Hillcrest Orthopedics")
    _red_flag(client, rt, "chest pain and I can't breathe", "SM" + "5" * 32)
    _tick(rt, 5)
    [call] = fake_twilio.calls_to(LEE)
    said, _ = fake_twilio.answer(call, _poster(client), digits="9")
    assert "Not acknowledged" in said.get_data(as_text=True)
    with rt.session() as s:
        esc = s.scalars(select(Escalation)).one()
    forged = f"{PUBLIC_URL}/twilio/voice/gather?escalation_id={esc.id}&coordinator_id={kim.id}"
    answer = _poster(client)(forged, {"CallSid": call.sid, "Digits": "1"})
    assert "not found" in answer.get_data(as_text=True)
    unsigned = client.post(forged.removeprefix(PUBLIC_URL), data={"CallSid": call.sid, "Digits": "1"})
    assert unsigned.status_code == 403
    with rt.session() as s:
        assert s.scalars(select(Escalation.status)).one() == "open"


def _app_with(config: dict, **changes):
    from bot.app import create_app
    from bot.dispatch import dispatch_urgent

    app = create_app({**config, **changes})
    rt = app.extensions["runtime"]
    rt.kick_urgent = lambda: dispatch_urgent(rt)
    rt.kick_inbound = lambda: None
    return app, rt


def _unacknowledged_emergency(rt) -> None:
    from bot.escalation import open_escalation

    ana = enroll(rt, NOW - timedelta(days=1))
    with time_machine.travel(NOW, tick=False), rt.session() as s:
        open_escalation(s, rt, ana, None, "emergency", ["chest_or_breathing"], [], NOW)
    rt.kick_urgent()
    _tick(rt, 5)


def test_with_a_messaging_service_only_no_call_is_placed_and_healthz_says_why(config, fake_twilio):
    # A Messaging Service sends texts but cannot place calls: a call from no number is refused by
    # Twilio at 3 a.m. Pages go by text and the deployment says so before it matters.
    app, rt = _app_with(config, TWILIO_FROM_NUMBER=None, TWILIO_MESSAGING_SERVICE_SID="MG" + "1" * 32)
    try:
        _team(rt)
        _unacknowledged_emergency(rt)
        assert len(fake_twilio.to(LEE)) == 1 and not fake_twilio.calls and not _calls(rt)
        warnings = app.test_client().get("/healthz").json["warnings"]
        assert any(w.startswith("paging calls cannot ring: TWILIO_FROM_NUMBER is not set") for w in warnings)
    finally:
        rt.dispose()


def test_without_public_url_the_call_rings_and_asks_for_ack_by_text(config, fake_twilio):
    # Inline TwiML has no address of its own: a relative key-press URL cannot be reached.
    app, rt = _app_with(config, PUBLIC_URL=None)
    try:
        _team(rt)
        _unacknowledged_emergency(rt)
        [call] = fake_twilio.calls_to(LEE)
        assert "<Gather" not in call.twiml and "Press 1" not in call.twiml
        assert "Reply to the text page with ACK and the code to acknowledge." in call.twiml
        warnings = app.test_client().get("/healthz").json["warnings"]
        assert any("PUBLIC_URL is not set" in w for w in warnings)
    finally:
        rt.dispose()
