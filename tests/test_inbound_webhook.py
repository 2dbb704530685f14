"""POST /twilio/sms: signed, stored first, processed once, answered with TwiML."""
import io
import threading
import time
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from flask import Response
from sqlalchemy import create_engine, select, text
from twilio.request_validator import RequestValidator

from bot import db, inbound
from bot.inbound import process_and_send
from bot.jobs import tick
from bot.models import Inbound, ReviewItem
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL
from tests.helpers import add_coordinator, enroll, reply, room_on, signed_post, sms

NOW = datetime(2026, 11, 21, 15, 0)


def inbound_rows(rt):
    with rt.session() as s:
        return s.query(Inbound).order_by(Inbound.id).all()


def test_valid_signature_is_accepted_and_the_reply_stored(client, rt, fake_twilio):
    room_on(rt, enroll(rt, NOW), NOW)  # day 1 has 3 texts or more: no thank-you on such a day
    with time_machine.travel(NOW, tick=False):
        answer = reply(client, fake_twilio, "ok thanks", "SM" + "1" * 32)
    assert answer.startswith("Thank you, Ana.")
    [row] = inbound_rows(rt)
    assert (row.body, row.enrollment_id, row.handled_as) == ("ok thanks", 1, "benign")


def test_every_new_reply_is_acted_on_at_once_and_a_retry_is_not(client, rt, fake_twilio):
    enroll(rt, NOW)
    kicks = []
    rt.kick_inbound = lambda: kicks.append(process_and_send(rt))  # the webhook's background thread
    sms(client, "I cant breathe", "SM" + "b" * 32)
    assert "911" in fake_twilio.to("+12025550143")[-1].body
    sms(client, "ok thanks", "SM" + "c" * 32)
    assert inbound_rows(rt)[-1].handled_as == "benign" and len(fake_twilio.to("+12025550143")) == 2
    sms(client, "ok thanks", "SM" + "c" * 32)  # Twilio's retry: already stored, nothing to act on
    assert len(kicks) == 2 and len(inbound_rows(rt)) == 2


def test_kicks_while_a_pass_has_not_started_make_one_pass(config):
    """Each new reply kicks a processing pass; kicks queued behind one that has not started yet add
    nothing (it will find their replies too), so a burst never piles up passes."""
    from bot import boot

    own = boot.build(overrides=config)  # the real background thread, not the tests' direct call
    started, go, passes = threading.Event(), threading.Event(), []
    own._background(lambda _rt: (started.set(), go.wait(10)))
    assert started.wait(10)

    def process(_rt):
        passes.append(1)

    for _ in range(3):
        own._background(process)
    go.set()
    own._extra[process].result(timeout=10)
    own.dispose()
    assert passes == [1]


def test_missing_or_invalid_signature_is_403_and_nothing_is_stored(client, rt):
    form = {"MessageSid": "SM" + "2" * 32, "From": "+12025550143", "Body": "hello", "AccountSid": ACCOUNT_SID}
    assert client.post("/twilio/sms", data=form).status_code == 403
    assert signed_post(client, "/twilio/sms", form, token="wrong-token").status_code == 403
    tampered = signed_post(client, "/twilio/sms", form, url="https://evil.example.org/twilio/sms")
    assert tampered.status_code == 403
    assert inbound_rows(rt) == []


def test_a_signature_twilio_made_with_the_default_port_is_accepted_and_odd_headers_are_403(client, rt):
    # The exact URL is checked first; twilio's own validator then tries it with and without :443.
    form = {"MessageSid": "SM" + "d0" * 16, "From": "+12025550199", "Body": "hello", "AccountSid": ACCOUNT_SID}
    with_port = signed_post(client, "/twilio/sms", form, url="https://postop.example.org:443/twilio/sms")
    assert with_port.status_code == 200
    for bad in ("é" * 28, "", "x" * 500):
        assert client.post("/twilio/sms", data=form, headers={"X-Twilio-Signature": bad}).status_code == 403
    assert [row.message_sid for row in inbound_rows(rt)] == ["SM" + "d0" * 16]


def test_a_webhook_signed_with_a_twilio_shared_key_is_checked_with_that_key(config, caplog):
    """Twilio can sign with a SharedKey and HMAC-SHA256 instead of the Auth Token, and then says so
    in X-Twilio-Webhooks-Signature-Settings: the key named there, from TWILIO_WEBHOOK_SHARED_KEYS."""
    from bot.app import create_app

    app = create_app({**config, "TWILIO_WEBHOOK_SHARED_KEYS": "webhooks_sharedkey_k1=shared-secret-1"})
    app.extensions["runtime"].kick_inbound = lambda: None  # the signature is the subject, not processing
    client = app.test_client()

    def post(sid: str, secret: str, settings: str | None, algorithm: str = "HMAC_SHA256"):
        form = {"MessageSid": sid, "From": "+12025550143", "Body": "walked twice", "AccountSid": ACCOUNT_SID}
        signature = RequestValidator(secret).compute_signature(PUBLIC_URL + "/twilio/sms", form, algorithm)
        headers = {"X-Twilio-Signature": signature}
        if settings:
            headers["X-Twilio-Webhooks-Signature-Settings"] = settings
        return client.post("/twilio/sms", data=form, headers=headers).status_code

    assert post("SM" + "1" * 32, "shared-secret-1", "key=webhooks_sharedkey_k1,algorithm=HMAC_SHA256") == 200
    assert post("SM" + "2" * 32, "shared-secret-1", "key=webhooks_sharedkey_k1") == 403  # says SHA-1, is SHA-256
    assert post("SM" + "3" * 32, "shared-secret-1", "key=webhooks_sharedkey_k1,algorithm=HMAC_SHA256",
                "HMAC_SHA1") == 403
    assert post("SM" + "4" * 32, AUTH_TOKEN, "key=webhooks_sharedkey_k1,algorithm=HMAC_SHA256") == 403
    assert post("SM" + "5" * 32, "shared-secret-1", None) == 403    # without the header: the Auth Token
    assert post("SM" + "6" * 32, AUTH_TOKEN, None, "HMAC_SHA1") == 200
    assert post("SM" + "7" * 32, "other", "key=webhooks_sharedkey_k2,algorithm=HMAC_SHA256") == 403
    assert "is it in TWILIO_WEBHOOK_SHARED_KEYS?" in caplog.text
    assert post("SM" + "8" * 32, "shared-secret-1", "key=webhooks_sharedkey_k1,algorithm=HMAC_SHA512") == 403
    with app.extensions["runtime"].session() as s:
        assert sorted(s.scalars(select(Inbound.message_sid))) == ["SM" + "1" * 32, "SM" + "6" * 32]
    app.extensions["runtime"].dispose()


def test_signature_behind_a_proxy_uses_the_forwarded_scheme_and_host(config):
    from bot.app import create_app

    app = create_app({**config, "PUBLIC_URL": None, "PROXY_COUNT": "1"})
    app.extensions["runtime"].kick_inbound = lambda: None  # the signature is the subject, not processing
    client = app.test_client()
    form = {"MessageSid": "SM" + "3" * 32, "From": "+12025550199", "Body": "hello", "AccountSid": ACCOUNT_SID}
    signature = RequestValidator(AUTH_TOKEN).compute_signature("https://recovery.example.org/twilio/sms", form)
    proxied = {"X-Twilio-Signature": signature, "X-Forwarded-Proto": "https",
               "X-Forwarded-Host": "recovery.example.org", "X-Forwarded-For": "203.0.113.9"}
    assert client.post("/twilio/sms", data=form, headers=proxied, base_url="http://10.0.0.5:8000").status_code == 200
    direct = {"X-Twilio-Signature": signature}
    assert client.post("/twilio/sms", data=form, headers=direct, base_url="http://10.0.0.5:8000").status_code == 403
    app.extensions["runtime"].dispose()


def test_duplicate_message_sid_is_processed_once(client, rt, fake_twilio):
    enroll(rt, NOW)
    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    first = reply(client, fake_twilio, "chest pain and I can't breathe", "SM" + "4" * 32)
    again = reply(client, fake_twilio, "chest pain and I can't breathe", "SM" + "4" * 32)
    assert "911" in first and again is None  # the retry is not acted on again
    assert len(inbound_rows(rt)) == 1
    assert len(fake_twilio.to("+12025550181")) == 1  # one page, not two


def test_store_keeps_a_message_sid_once(rt):
    with rt.session() as s:
        assert inbound.store(s, "SM" + "d" * 32, "+12025550143", "ok", None, NOW) == 1
        assert inbound.store(s, "SM" + "d" * 32, "+12025550143", "ok again", None, NOW) is None
    rows = inbound_rows(rt)
    assert [(r.body, r.received_at, r.flags, r.evidence, r.attempts, r.processed_at) for r in rows] == [
        ("ok", NOW, [], [], 0, None)]


def test_a_connection_the_server_closed_fails_one_webhook_with_503_then_the_retry_is_stored(client, rt,
                                                                                           database_url):
    if rt.engine.dialect.name != "postgresql":
        pytest.skip("needs a database server that can drop the pooled connection")
    rt.dispose()
    assert sms(client, "ok thanks", "SM" + "c9" * 16).status_code == 200  # its connection is now pooled
    admin = create_engine(db.normalise_url(database_url), isolation_level="AUTOCOMMIT")
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) {others}"))
        for _ in range(100):
            if not conn.execute(text(f"SELECT count(*) {others}")).scalar():
                break
            time.sleep(0.05)
    admin.dispose()
    assert sms(client, "walked twice", "SM" + "d9" * 16).status_code == 503  # no pre-ping: this one fails
    assert sms(client, "walked twice", "SM" + "d9" * 16).status_code == 200  # Twilio's retry, new connection
    assert [row.message_sid for row in inbound_rows(rt)] == ["SM" + "c9" * 16, "SM" + "d9" * 16]


def test_the_answer_carries_the_security_headers_and_no_cookie(app, client):
    from bot.web.headers import add_security_headers

    response = sms(client, "ok thanks", "SM" + "e" * 32)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    with app.test_request_context("/twilio/sms", method="POST"):  # a header the view set itself stays
        own = add_security_headers(Response("", headers={"x-frame-options": "SAMEORIGIN"}))
    assert own.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"] and own.headers["X-Content-Type-Options"]


def test_malformed_and_oversized_requests_get_4xx(client):
    assert signed_post(client, "/twilio/sms", {"Body": "no sid"}).status_code == 400
    big = {"MessageSid": "SM" + "5" * 32, "From": "+12025550143", "Body": "x" * 70000}
    response = signed_post(client, "/twilio/sms", big)
    assert response.status_code == 413 and "larger than the 64 KiB allowed" in response.get_data(as_text=True)


def test_the_webhooks_are_served_by_the_app_without_sessions_or_csrf(app, client):
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules() for method in rule.methods}
    assert {("/twilio/sms", "POST"), ("/twilio/status", "POST")} <= routes
    client.set_cookie("postop_session", "not-a-valid-session")
    response = sms(client, "ok thanks", "SM" + "e9" * 16)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_an_oversized_chunked_request_without_a_length_is_refused_and_nothing_is_stored(client, rt):
    # gunicorn passes a chunked body on with no Content-Length. The webhooks read at most 64 KiB of
    # it (the rest of the app 2 MiB, for CSV uploads): werkzeug stops there with a 413.
    form = {"MessageSid": "SM" + "c" * 32, "From": "+12025550143", "Body": "x" * 70000}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + "/twilio/sms", form)
    response = client.post("/twilio/sms", input_stream=io.BytesIO(urlencode(form).encode()),
                           content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": signature, "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code in (403, 413)
    assert inbound_rows(rt) == []


def test_unknown_number_is_stored_for_review_and_answered_politely(client, rt, fake_twilio):
    answer = reply(client, fake_twilio, "hi who is this", "SM" + "6" * 32, sender="+12025550177")
    assert "We do not know your number" in answer
    with rt.session() as s:
        assert s.query(ReviewItem).filter_by(reason="unknown_sender").count() == 1
    assert inbound_rows(rt)[0].enrollment_id is None


def test_database_down_answers_503_and_keeps_nothing(client, rt, fake_twilio, caplog):
    enroll(rt, NOW)
    with rt.engine.begin() as conn:  # the table the webhook writes to is gone
        conn.execute(text("ALTER TABLE inbound RENAME TO inbound_gone"))
    try:
        assert sms(client, "I have a question about my meds", "SM" + "7" * 32).status_code == 503
    finally:
        with rt.engine.begin() as conn:
            conn.execute(text("ALTER TABLE inbound_gone RENAME TO inbound"))
    assert inbound_rows(rt) == []
    assert "database error" in caplog.text and "+12025550143" not in caplog.text and "meds" not in caplog.text
    answer = reply(client, fake_twilio, "I have a question about my meds", "SM" + "7" * 32)  # Twilio retries
    assert answer and len(inbound_rows(rt)) == 1


def test_a_reply_whose_processing_fails_is_kept_retried_and_finally_handed_to_a_human(client, rt, fake_twilio):
    room_on(rt, enroll(rt, NOW), NOW)  # a day with room: the self-care reply to "5" is sent, once
    with rt.engine.begin() as conn:  # processing breaks (the webhook's own write still works)
        conn.execute(text("ALTER TABLE observations RENAME TO observations_gone"))
    with rt.session() as s:
        from bot.models import Outbox
        s.add(Outbox(key="q", enrollment_id=1, to_phone="+12025550143", kind="pathway", expects="pain_score",
                     body="Pain 0-10?", due_at=NOW, status="sent", sent_at=NOW))
    try:
        with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
            # stored, and acted on at once, which fails
            assert sms(client, "5", "SM" + "9" * 32).status_code == 200
            [row] = inbound_rows(rt)
            assert row.processed_at is None and row.attempts == 1
            tick(rt, NOW + timedelta(minutes=1))  # the clock's sweep fails to act on it again
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
    from bot.app import create_app

    app = create_app({**config, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"})
    response = sms(app.test_client(), "chest pain", "SM" + "8" * 32)
    assert response.status_code == 503


def test_the_app_compiles_the_triage_lexicons_at_start_not_on_the_first_reply(config):
    from bot.app import create_app
    from bot.triage.lexicon import LANGUAGES, load

    load.cache_clear()
    app = create_app(config)
    assert load.cache_info().currsize == len(LANGUAGES)
    app.extensions["runtime"].dispose()


def test_an_emergency_from_an_unknown_number_is_answered_without_an_empty_name(client, rt, fake_twilio):
    answer = reply(client, fake_twilio, "I cant breathe", "SM" + "e" * 32, sender="+12025550177")
    assert answer.startswith("This could be an emergency. Call 911 now."), answer
