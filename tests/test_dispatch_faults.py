"""Faults that made texts go out twice: Twilio answering after the client gave up and creating the
message later ("slow but creates"), and a Twilio hang longer than the claim's lease with two
dispatchers. Real twilio client, local fake Twilio, time moved with time-machine."""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
import time_machine

from bot import boot
from bot.dispatch import dispatch_due
from bot.models import Enrollment
from bot.outbox import rows
from tests.helpers import outbox
from tests.support.fake_twilio import SlowCreates

NOW = datetime(2026, 11, 21, 14, 0)  # 09:00 in New York
PHONES = [f"+12025550{n}" for n in range(100, 200)]  # 100 invented patients, +1 202 555 0100-0199


@pytest.fixture
def config(config):
    # The client gives up after 0.25 real seconds; the fake answers after 0.5.
    return {**config, "TWILIO_TIMEOUT_SECONDS": "0.25"}


def add_patients(rt) -> None:
    with rt.session() as s:
        for i, phone in enumerate(PHONES):
            e = Enrollment(first_name=f"Patient{i}", phone=phone, surgery_date=date(2026, 11, 20),
                           timezone="America/New_York", language="en", pathway="lumbar-fusion")
            s.add(e)
            s.flush()
            s.add(rows.oneoff(e.id, phone, f"Your walk today, patient {i}: 10 minutes.", NOW))


def assert_each_patient_texted_once(rt, fake_twilio) -> None:
    per_phone = Counter(m.to for m in fake_twilio.messages)
    assert sorted(per_phone) == PHONES and set(per_phone.values()) == {1}, "a text twice, or one lost"
    sid_of = {m.to: m.sid for m in fake_twilio.messages}
    texts = outbox(rt)
    assert {r.status for r in texts} == {"sent"} and not any(r.in_doubt for r in texts)
    assert all(r.twilio_sid == sid_of[r.to_phone] for r in texts)


def test_slow_twilio_that_creates_after_the_timeout_texts_every_patient_once(rt, fake_twilio):
    add_patients(rt)
    fake_twilio.slow = SlowCreates(respond_after=0.5, create_after=25)
    with time_machine.travel(NOW, tick=False) as clock:
        first = dispatch_due(rt, NOW)
        assert first.outcomes["retry"] == 100  # every send timed out: in doubt, none resent yet
        assert fake_twilio.wait_for_messages(100)  # Twilio has every request before its clock moves on
        assert fake_twilio.lookups == 0 and all(r.in_doubt for r in outbox(rt))
        # Twilio creates the messages at 25 s; a plain retry here would double them.
        clock.move_to(NOW + timedelta(seconds=30))
        assert dispatch_due(rt, NOW + timedelta(seconds=30)).claimed == 0
        clock.move_to(NOW + timedelta(seconds=61))
        second = dispatch_due(rt, NOW + timedelta(seconds=61))
    assert second.outcomes["adopted"] == 100 and fake_twilio.lookups == 100
    assert fake_twilio.requests == 100  # no second POST for anyone
    assert_each_patient_texted_once(rt, fake_twilio)


def test_in_doubt_sends_that_twilio_never_created_are_sent_once(rt, fake_twilio):
    add_patients(rt)
    fake_twilio.script.extend([(503, 20503)] * 100)  # a 5xx: maybe created, in fact not
    with time_machine.travel(NOW, tick=False) as clock:
        assert dispatch_due(rt, NOW).outcomes["retry"] == 100
        clock.move_to(NOW + timedelta(seconds=61))
        second = dispatch_due(rt, NOW + timedelta(seconds=61))
    assert second.outcomes["sent"] == 100 and fake_twilio.lookups == 100
    assert_each_patient_texted_once(rt, fake_twilio)


def test_two_dispatchers_and_a_twilio_hang_longer_than_the_lease(rt, config, fake_twilio):
    add_patients(rt)
    hang = threading.Event()
    fake_twilio.slow = SlowCreates(create_after=25, hang=hang)
    settings = {**config, "SENDING_LEASE_SECONDS": "30", "TWILIO_TIMEOUT_SECONDS": "30"}
    first, second = boot.build(overrides=settings), boot.build(overrides=settings)
    first.sleep = second.sleep = lambda _s: None
    try:
        with time_machine.travel(NOW, tick=False) as clock:
            results = []
            stuck = threading.Thread(target=lambda: results.append(dispatch_due(first, NOW)))
            stuck.start()
            deadline = time.monotonic() + 20
            while fake_twilio.hanging < first.settings.dispatch_threads and time.monotonic() < deadline:
                time.sleep(0.01)  # real time: waiting for the first dispatcher's requests to be in flight
            assert fake_twilio.hanging == first.settings.dispatch_threads
            fake_twilio.slow = None  # new requests are answered at once
            # 90 s into the hang, well past the 30 s lease, the second clock process takes over.
            clock.move_to(NOW + timedelta(seconds=90))
            takeover = dispatch_due(second, NOW + timedelta(seconds=90))
            assert takeover.reconciled == 100 and takeover.outcomes["sent"] == 92
            hang.set()  # the first dispatcher's 8 requests come back; it no longer owns those rows
            stuck.join(30)
            assert not stuck.is_alive()
            # It wrote nothing: 8 answers arrived for rows it had lost, 92 rows were taken before it got to them.
            assert results[0].outcomes == Counter(lost=100)
            assert len(fake_twilio.messages) == 100
            # The 8 whose requests were in flight are in doubt; the log settles them.
            clock.move_to(NOW + timedelta(seconds=160))
            settle = dispatch_due(second, NOW + timedelta(seconds=160))
        assert settle.outcomes["adopted"] == 8
        assert_each_patient_texted_once(rt, fake_twilio)
    finally:
        first.dispose()
        second.dispose()


def test_a_proxy_set_in_the_environment_is_used_for_twilio(monkeypatch, rt):
    # Read once when the transport is built (requests would walk the environment on every send).
    from bot.transport import TwilioTransport

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.org:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/clinic-proxy.pem")
    behind = TwilioTransport(replace(rt.settings, twilio_api_base_url="https://api.twilio.com"))
    assert behind.http.proxy["https"] == "http://proxy.example.org:3128"
    assert behind.http.session.verify == "/etc/ssl/certs/clinic-proxy.pem"
    monkeypatch.setenv("NO_PROXY", "api.twilio.com")
    assert "https" not in TwilioTransport(replace(rt.settings, twilio_api_base_url="https://api.twilio.com")).http.proxy
