"""On PostgreSQL a reply stored by the web is acted on by the listening clock (LISTEN/NOTIFY), not by
the web worker; with no clock listening, the web worker acts on it itself (bot.inbound_wakeup)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from bot import boot, inbound
from bot.dispatch import dispatch_urgent
from bot.inbound_wakeup import PREFIX, Listener
from bot.models import Escalation, Heartbeat, Inbound
from bot.outbox import liveness
from tests.helpers import enroll, sms

NOW = datetime(2026, 11, 21, 15, 0)
RED_FLAG = "I cant feel anything between my legs and I wet myself"


@pytest.fixture
def database_url(postgres_reset, postgres_url):
    """PostgreSQL only: SQLite has no LISTEN/NOTIFY (and `postop run` is one process there)."""
    postgres_reset()
    return postgres_url


@pytest.fixture
def web_kicks(rt):
    """Times the web worker chose to act on a reply itself."""
    kicks: list[int] = []
    rt.kick_inbound = lambda: kicks.append(1)
    return kicks


@pytest.fixture
def clock(config):
    """A second runtime on the same database, as the `postop clock` process has, with its listener."""
    clock_rt = boot.build(config)
    listener = Listener(clock_rt, after=lambda: dispatch_urgent(clock_rt))
    thread = threading.Thread(target=listener.run, daemon=True)
    yield clock_rt, listener, thread
    clock_rt.stopping.set()
    thread.join(10)
    clock_rt.dispose()


def wait_for_passes(listener: Listener, count: int) -> None:
    with listener.passed:
        assert listener.passed.wait_for(lambda: listener.passes >= count, timeout=20), listener.passes


def rows(rt, model):
    with rt.session() as session:
        return list(session.scalars(select(model)))


def test_a_red_flag_stored_by_the_web_is_acted_on_and_answered_by_the_listening_clock(
        client, rt, fake_twilio, web_kicks, clock):
    clock_rt, listener, thread = clock
    enroll(rt, NOW)
    with time_machine.travel(NOW, tick=False):
        thread.start()
        wait_for_passes(listener, 1)  # listening, beating, and the start-up pass done
        response = sms(client, RED_FLAG, "SM" + "a" * 32)
        assert response.status_code == 200
        wait_for_passes(listener, 2)
    assert web_kicks == []  # the web worker left the work to the clock
    [reply] = rows(rt, Inbound)
    assert reply.processed_at is not None and reply.tier == "emergency"
    [esc] = rows(rt, Escalation)
    assert esc.tier == "emergency" and esc.inbound_id == reply.id
    assert fake_twilio.wait_for_messages(1)
    [answer] = fake_twilio.to("+12025550143")
    assert "911" in answer.body
    clock_rt.stopping.set()
    thread.join(10)
    assert not thread.is_alive()
    assert not [b for b in rows(rt, Heartbeat) if b.name.startswith(PREFIX)]  # a clean exit forgets its beat


def test_with_no_clock_listening_the_web_worker_acts_on_the_reply_itself(client, rt, web_kicks):
    enroll(rt, NOW)
    with time_machine.travel(NOW, tick=False):
        with rt.session() as session:  # a clock that died a minute ago
            liveness.beat(session, NOW - timedelta(minutes=1), process="gone", prefix=PREFIX)
        assert sms(client, RED_FLAG, "SM" + "b" * 32).status_code == 200
    assert web_kicks == [1]


def test_a_reply_stored_while_no_clock_listened_is_acted_on_when_the_clock_starts(rt, clock):
    clock_rt, listener, thread = clock
    enroll(rt, NOW)
    with time_machine.travel(NOW, tick=False):
        with rt.session() as session:
            inbound.store(session, "SM" + "c" * 32, "+12025550143", "ok thanks", None, NOW)
        thread.start()
        wait_for_passes(listener, 1)
    [reply] = rows(rt, Inbound)
    assert reply.processed_at is not None and reply.handled_as == "benign"
