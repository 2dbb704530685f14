"""kill -9 of a clock holding 500 claimed texts: a second clock finds its heartbeat stale and sends
the urgent ones within 15 s and all within 30 s, none twice; requests that had left are settled by
Twilio's message log, never resent blindly. Time is controlled (time-machine); pacing at
SEND_RATE=50 moves the clock instead of sleeping."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
import time_machine

from bot.dispatch import dispatch_due
from bot.models import Outbox
from bot.outbox import lifecycle, liveness
from tests.helpers import outbox

NOW = datetime(2026, 11, 21, 15, 0)  # 10:00 in New York
DEAD = "clock-b.internal:4242:0badc0de"  # the other clock process, about to be killed


@pytest.fixture
def config(config):
    return {**config, "SEND_RATE": "50", "DISPATCH_THREADS": "1", "HEARTBEAT_STALE_SECONDS": "10"}


def setup_dead_clock(rt, fake_twilio) -> None:
    """500 due texts (50 urgent) claimed by the other clock, which had begun 8 requests: 6 reached
    Twilio (4 of them urgent), 2 did not (1 urgent), when it was killed."""
    with rt.session() as s:
        s.add_all(Outbox(key=f"k{i}", to_phone=f"+1202555{i % 100 + 100:04d}", kind="reply" if i < 50 else "oneoff",
                         body=f"Text {i}: call us if the pain spreads.", due_at=NOW, urgent=i < 50)
                  for i in range(500))
    owner = f"{DEAD}/pass0001"
    with rt.session() as s:
        ids = lifecycle.claim(s, NOW, 500, owner, timedelta(minutes=10))
    assert len(ids) == 500
    in_flight = [1, 2, 3, 4, 5, 100, 101, 102]
    with rt.session() as s:
        for row_id in in_flight:
            assert lifecycle.begin_attempt(s, row_id, owner, NOW, timedelta(minutes=10))
    for row_id in [1, 2, 3, 4, 100, 101]:  # these requests had left: Twilio created the messages
        fake_twilio._record({"To": f"+1202555{(row_id - 1) % 100 + 100:04d}",
                             "Body": f"Text {row_id - 1}: call us if the pain spreads.",
                             "From": "+12025550100"})


def test_a_killed_clocks_texts_go_out_within_seconds_and_none_twice(rt, fake_twilio):
    with time_machine.travel(NOW, tick=False) as clock:
        setup_dead_clock(rt, fake_twilio)  # Twilio's clock too: its log says when it created them
        rt.sleep = clock.shift  # pacing waits move test time
        with rt.session() as s:
            liveness.beat(s, NOW)  # this clock is alive
        # 9 s after its last beat the other clock could still be alive: its claims are left alone.
        clock.move_to(NOW + timedelta(seconds=9))
        assert dispatch_due(rt, NOW + timedelta(seconds=9)).claimed == 0
        assert fake_twilio.requests == 0 and fake_twilio.lookups == 0
        # Past HEARTBEAT_STALE_SECONDS: dead. One recovery, then sending at the paced rate.
        clock.move_to(NOW + timedelta(seconds=11))
        while (stats := dispatch_due(rt)).claimed or stats.reconciled:
            pass
        clock.shift(60)  # the one routine row Twilio has no record of waits out the in-doubt recheck
        dispatch_due(rt)
    rows = outbox(rt)
    assert {r.status for r in rows} == {"sent"}
    urgent = [r.sent_at for r in rows if r.urgent]
    routine = [r.sent_at for r in rows if not r.urgent and r.id != 102]
    assert max(urgent) <= NOW + timedelta(seconds=15), max(urgent)
    assert max(routine) <= NOW + timedelta(seconds=30), max(routine)
    # None twice: one message per row, the six that had reached Twilio adopted from its log.
    assert Counter(Counter((m.to, m.body) for m in fake_twilio.messages).values()) == Counter({1: 500})
    assert len({r.twilio_sid for r in rows}) == 500 and fake_twilio.requests == 494
    # 102 reached nobody: Twilio's log was read before it went, at least the recheck after recovery.
    late = next(r for r in rows if r.id == 102)
    assert late.sent_at >= NOW + timedelta(seconds=71)


def test_the_claims_of_a_live_clock_are_never_taken(rt, fake_twilio):
    setup_dead_clock(rt, fake_twilio)
    with time_machine.travel(NOW + timedelta(seconds=60), tick=False):
        with rt.session() as s:
            liveness.beat(s, NOW + timedelta(seconds=55), DEAD)  # it still beats: busy, not dead
        assert dispatch_due(rt).claimed == 0
    assert len(outbox(rt, status="sending")) == 500


def test_a_clock_never_recovers_its_own_claims(rt, fake_twilio):
    with rt.session() as s:
        s.add(Outbox(key="own", to_phone="+12025550150", kind="oneoff", body="Walk today.", due_at=NOW))
    with rt.session() as s:
        lifecycle.claim(s, NOW, 1, lifecycle.new_owner(), timedelta(minutes=10))
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        # Its own beat is five minutes old (no beating thread under tests), yet it is alive.
        assert dispatch_due(rt).reconciled == 0
    assert len(outbox(rt, status="sending")) == 1
