"""POST /twilio/sms: signed, stored first, processed once, answered with TwiML."""
from datetime import datetime, timedelta

import time_machine
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from bot.jobs import tick
from bot.models import Inbound, ReviewItem
from tests.conftest import AUTH_TOKEN
from tests.helpers import add_coordinator, enroll, reply, signed_post, sms

NOW = datetime(2026, 11, 21, 15, 0)


def inbound_rows(rt):
    with rt.session() as s:
        return s.query(Inbound).order_by(Inbound.id).all()


def test_valid_signature_is_accepted_and_the_reply_stored(client, rt, fake_twilio):
    enroll(rt, NOW)
    with time_machine.travel(NOW, tick=False):
        answer = reply(client, fake_twilio, "ok thanks", "SM" + "1" * 32)
    assert answer.startswith("Thank you, Ana.")
    [row] = inbound_rows(rt)
    assert (row.body, row.enrollment_id, row.handled_as) == ("ok thanks", 1, "triage")


def test_red_flags_are_acted_on_at_once_and_the_rest_at_the_next_sweep(client, rt, fake_twilio):
    from bot.inbound import needs_action_now, process_pending

    assert needs_action_now("chest pain") and needs_action_now("STOP") and needs_action_now("ACK K7P2QX")
    assert not needs_action_now("ok thanks") and not needs_action_now("walked twice today")
    enroll(rt, NOW)
    sms(client, "I cant breathe", "SM" + "b" * 32)  # acted on before the webhook's thread is done
    assert "911" in fake_twilio.to("+12025550143")[-1].body
    sms(client, "ok thanks", "SM" + "c" * 32)
    assert inbound_rows(rt)[-1].processed_at is None
    assert process_pending(rt) == 1 and inbound_rows(rt)[-1].handled_as == "triage"


def test_missing_or_invalid_signature_is_403_and_nothing_is_stored(client, rt):
    form = {"MessageSid": "SM" + "2" * 32, "From": "+12025550143", "Body": "hello"}
    assert client.post("/twilio/sms", data=form).status_code == 403
    assert signed_post(client, "/twilio/sms", form, token="wrong-token").status_code == 403
    tampered = signed_post(client, "/twilio/sms", form, url="https://evil.example.org/twilio/sms")
    assert tampered.status_code == 403
    assert inbound_rows(rt) == []


def test_signature_behind_a_proxy_uses_the_forwarded_scheme_and_host(config):
    from bot import create_app

    app = create_app({**config, "PUBLIC_URL": None, "PROXY_COUNT": "1"})
    client = app.test_client()
    form = {"MessageSid": "SM" + "3" * 32, "From": "+12025550199", "Body": "hello"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature("https://recovery.example.org/twilio/sms", form)
    proxied = {"X-Twilio-Signature": signature, "X-Forwarded-Proto": "https",
               "X-Forwarded-Host": "recovery.example.org", "X-Forwarded-For": "203.0.113.9"}
    assert client.post("/twilio/sms", data=form, headers=proxied, base_url="http://10.0.0.5:8000").status_code == 200
    direct = {"X-Twilio-Signature": signature}
    assert client.post("/twilio/sms", data=form, headers=direct, base_url="http://10.0.0.5:8000").status_code == 403
    app.extensions["runtime"].engine.dispose()


def test_duplicate_message_sid_is_processed_once(client, rt, fake_twilio):
    enroll(rt, NOW)
    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    first = reply(client, fake_twilio, "chest pain and I can't breathe", "SM" + "4" * 32)
    again = reply(client, fake_twilio, "chest pain and I can't breathe", "SM" + "4" * 32)
    assert "911" in first and again is None  # the retry is not acted on again
    assert len(inbound_rows(rt)) == 1
    assert len(fake_twilio.to("+12025550181")) == 1  # one page, not two


def test_malformed_and_oversized_requests_get_4xx(client):
    assert signed_post(client, "/twilio/sms", {"Body": "no sid"}).status_code == 400
    big = {"MessageSid": "SM" + "5" * 32, "From": "+12025550143", "Body": "x" * 70000}
    assert signed_post(client, "/twilio/sms", big).status_code == 413


def test_unknown_number_is_stored_for_review_and_answered_politely(client, rt, fake_twilio):
    answer = reply(client, fake_twilio, "hi who is this", "SM" + "6" * 32, sender="+12025550177")
    assert "We do not know your number" in answer
    with rt.session() as s:
        assert s.query(ReviewItem).filter_by(reason="unknown_sender").count() == 1
    assert inbound_rows(rt)[0].enrollment_id is None


def test_database_down_answers_503_and_keeps_nothing(client, rt, fake_twilio):
    enroll(rt, NOW)
    with rt.engine.begin() as conn:  # the table the webhook writes to is gone
        conn.execute(text("ALTER TABLE inbound RENAME TO inbound_gone"))
    try:
        assert sms(client, "I have a question about my meds", "SM" + "7" * 32).status_code == 503
    finally:
        with rt.engine.begin() as conn:
            conn.execute(text("ALTER TABLE inbound_gone RENAME TO inbound"))
    assert inbound_rows(rt) == []
    answer = reply(client, fake_twilio, "I have a question about my meds", "SM" + "7" * 32)  # Twilio retries
    assert answer and len(inbound_rows(rt)) == 1


def test_a_reply_whose_processing_fails_is_kept_retried_and_finally_handed_to_a_human(client, rt, fake_twilio):
    enroll(rt, NOW)
    with rt.engine.begin() as conn:  # processing breaks (the webhook's own write still works)
        conn.execute(text("ALTER TABLE observations RENAME TO observations_gone"))
    with rt.session() as s:
        from bot.models import Outbox
        s.add(Outbox(key="q", enrollment_id=1, to_phone="+12025550143", kind="programme", expects="pain_score",
                     body="Pain 0-10?", due_at=NOW, status="sent", sent_at=NOW))
    try:
        with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
            assert sms(client, "5", "SM" + "9" * 32).status_code == 200  # stored
            tick(rt, NOW + timedelta(minutes=1))  # the clock's sweep fails to act on it
            [row] = inbound_rows(rt)
            assert row.processed_at is None and row.attempts == 1
            tick(rt, NOW + timedelta(minutes=1))  # and again
    finally:
        with rt.engine.begin() as conn:
            conn.execute(text("ALTER TABLE observations_gone RENAME TO observations"))
    assert inbound_rows(rt)[0].attempts == 2
    tick(rt, NOW + timedelta(minutes=2))  # fixed: processed now, nothing lost
    row = inbound_rows(rt)[0]
    assert row.processed_at is not None and row.handled_as == "answer"
    assert len(fake_twilio.to("+12025550143")) == 1


def test_after_three_failed_attempts_a_coordinator_gets_the_message(rt):
    from bot import inbound

    with rt.session() as s:
        inbound.store(s, "SM" + "a" * 32, "+12025550143", "hello", None, NOW)
    with rt.engine.begin() as conn:
        conn.execute(text("ALTER TABLE enrollments RENAME TO enrollments_gone"))
    try:
        for _ in range(3):
            inbound.process_pending(rt, NOW)
    finally:
        with rt.engine.begin() as conn:
            conn.execute(text("ALTER TABLE enrollments_gone RENAME TO enrollments"))
    row = inbound_rows(rt)[0]
    assert (row.attempts, row.handled_as) == (3, "error") and row.processed_at is not None
    with rt.session() as s:
        assert s.query(ReviewItem).filter_by(reason="processing_failed", inbound_id=row.id).count() == 1


def test_database_unreachable_is_5xx(config):
    from bot import create_app

    app = create_app({**config, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"})
    response = sms(app.test_client(), "chest pain", "SM" + "8" * 32)
    assert response.status_code == 503
