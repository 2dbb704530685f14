"""POST /twilio/sms: signed, stored first, processed once, answered with TwiML."""
from datetime import datetime

import time_machine
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from bot.models import Inbound, ReviewItem
from tests.conftest import AUTH_TOKEN
from tests.helpers import add_coordinator, enroll, signed_post, sms, twiml_message

NOW = datetime(2026, 11, 21, 15, 0)


def inbound_rows(rt):
    with rt.session() as s:
        return s.query(Inbound).order_by(Inbound.id).all()


def test_valid_signature_is_accepted_and_the_reply_stored(client, rt):
    enroll(rt, NOW)
    with time_machine.travel(NOW, tick=False):
        response = sms(client, "ok thanks", "SM" + "1" * 32)
    assert twiml_message(response).startswith("Thank you, Ana.")
    [row] = inbound_rows(rt)
    assert (row.body, row.enrollment_id, row.handled_as) == ("ok thanks", 1, "triage")


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
    first = sms(client, "chest pain and I can't breathe", "SM" + "4" * 32)
    again = sms(client, "chest pain and I can't breathe", "SM" + "4" * 32)
    assert twiml_message(first) == twiml_message(again) and "911" in twiml_message(first)
    assert len(inbound_rows(rt)) == 1
    assert len(fake_twilio.to("+12025550181")) == 1  # one page, not two


def test_malformed_and_oversized_requests_get_4xx(client):
    assert signed_post(client, "/twilio/sms", {"Body": "no sid"}).status_code == 400
    big = {"MessageSid": "SM" + "5" * 32, "From": "+12025550143", "Body": "x" * 70000}
    assert signed_post(client, "/twilio/sms", big).status_code == 413


def test_unknown_number_is_stored_for_review_and_answered_politely(client, rt):
    response = sms(client, "hi who is this", "SM" + "6" * 32, sender="+12025550177")
    assert "We do not know your number" in twiml_message(response)
    with rt.session() as s:
        assert s.query(ReviewItem).filter_by(reason="unknown_sender").count() == 1
    assert inbound_rows(rt)[0].enrollment_id is None


def test_database_down_answers_503_and_keeps_nothing(client, rt):
    enroll(rt, NOW)
    with rt.engine.begin() as conn:  # break the schema under the running app
        conn.execute(text("ALTER TABLE outbox RENAME TO outbox_gone"))
    try:
        response = sms(client, "I have a question about my meds", "SM" + "7" * 32)
        assert response.status_code == 503
        assert inbound_rows(rt) == []  # the stored reply was rolled back with the rest
    finally:
        with rt.engine.begin() as conn:
            conn.execute(text("ALTER TABLE outbox_gone RENAME TO outbox"))
    retried = sms(client, "I have a question about my meds", "SM" + "7" * 32)  # Twilio retries
    assert retried.status_code == 200 and len(inbound_rows(rt)) == 1


def test_database_unreachable_is_5xx(config):
    from bot import create_app

    app = create_app({**config, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"})
    response = sms(app.test_client(), "chest pain", "SM" + "8" * 32)
    assert response.status_code == 503
