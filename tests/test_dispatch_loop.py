"""The clock's dispatch loop: tops up its queue of claimed texts as soon as it runs low (no interval
job skipping fires), sends urgent rows beside a full routine queue, and hands queued claims back at
shutdown. Sends run through executors the test drives by hand, so nothing depends on timing."""
from __future__ import annotations

from concurrent.futures import Future
from datetime import datetime

import pytest

from bot.dispatch_loop import DispatchLoop
from bot.models import Outbox
from tests.helpers import outbox

NOW = datetime(2026, 11, 21, 15, 0)  # 10:00 in New York


class HeldPool:
    """An executor whose work runs only when the test says so."""

    def __init__(self):
        self.work: list[tuple[Future, tuple]] = []

    def submit(self, func, *args):
        future = Future()
        self.work.append((future, (func, args)))
        return future

    def run(self, n: int | None = None) -> list:
        done, self.work = self.work[:n], self.work[n:] if n is not None else []
        results = []
        for future, (func, args) in done:
            result = func(*args)
            future.set_result(result)
            results.append(result)
        return results

    def shutdown(self, wait: bool = True) -> None:
        pass


@pytest.fixture
def config(config):
    # 50 texts/s and 2 s of queue: the loop keeps about 100 routine texts claimed.
    return {**config, "SEND_RATE": "50", "DISPATCH_QUEUE_SECONDS": "2", "DISPATCH_THREADS": "8"}


def add(rt, n: int, urgent: bool = False, start: int = 0) -> None:
    with rt.session() as s:
        s.add_all(Outbox(key=f"t{urgent}{i}", to_phone=f"+1202555{(start + i) % 100 + 100:04d}", kind="oneoff",
                         body=f"Text {start + i}: a short walk today.", due_at=NOW, urgent=urgent)
                  for i in range(n))


def held_loop(rt) -> DispatchLoop:
    loop = DispatchLoop(rt)
    loop.pool.shutdown()
    loop.urgent_pool.shutdown()
    loop.pool, loop.urgent_pool = HeldPool(), HeldPool()
    return loop


def test_the_loop_claims_the_next_batch_as_soon_as_its_queue_runs_low(rt, fake_twilio):
    add(rt, 300)
    loop = held_loop(rt)
    assert loop.target == 100 and loop.low_water == 50
    loop.step(NOW)
    assert len(loop.pool.work) == 100 and len(outbox(rt, status="sending")) == 100
    loop.step(NOW)  # the queue is full: nothing more is claimed
    assert len(loop.pool.work) == 100
    loop.pool.run(49)  # 51 left: not low yet
    assert not loop.wake.is_set()
    loop.pool.run(1)  # 50 left: the loop is woken and tops the queue up to 100 at once
    assert loop.wake.is_set()
    loop.step(NOW)
    assert len(loop.pool.work) == 100 and len(fake_twilio.messages) == 50
    loop.pool.run()
    loop.step(NOW)
    loop.pool.run()
    loop.step(NOW)
    loop.pool.run()
    assert len(fake_twilio.messages) == 300 and {r.status for r in outbox(rt)} == {"sent"}
    assert not loop.step(NOW)  # nothing due: the loop will sleep until woken or DISPATCH_IDLE_SECONDS


def test_urgent_rows_do_not_queue_behind_a_full_routine_queue(rt, fake_twilio):
    add(rt, 300)
    loop = held_loop(rt)
    loop.step(NOW)
    add(rt, 3, urgent=True, start=50)  # a reply to a red flag arrives while 100 routine texts wait
    loop.step(NOW)
    assert len(loop.urgent_pool.work) == 3
    loop.urgent_pool.run()
    assert len(fake_twilio.messages) == 3 and rt.waits == []  # urgent: no pacing wait


def test_shutdown_hands_queued_claims_back_and_finishes_sent_ones(rt, fake_twilio):
    add(rt, 150)
    loop = held_loop(rt)
    loop.step(NOW)
    loop.pool.run(10)
    loop.close()  # the 140 not started yet are cancelled (as in a real executor) and handed back
    rows = outbox(rt)
    assert sum(r.status == "sent" for r in rows) == 10
    assert sum(r.status == "planned" for r in rows) == 140 and not any(r.status == "sending" for r in rows)
    assert all(r.attempts == 0 for r in rows if r.status == "planned")


def test_a_burst_of_urgent_rows_is_claimed_only_as_the_urgent_pool_has_room(rt, fake_twilio):
    add(rt, 120, urgent=True)  # answers to a hundred replies at once
    loop = held_loop(rt)
    assert loop.step(NOW)  # a full batch: more may be waiting
    assert len(loop.urgent_pool.work) == 50 and len(outbox(rt, status="sending")) == 50
    assert not loop.step(NOW)  # the pool is full: nothing more is claimed meanwhile
    assert len(loop.urgent_pool.work) == 50
    loop.urgent_pool.run(20)
    assert loop.wake.is_set()  # room again: claimed at once
    loop.step(NOW)
    assert len(loop.urgent_pool.work) == 50 and len(outbox(rt, status="sending")) == 50
    loop.close()  # queued urgent claims go back too, for whichever process is up next
    rows = outbox(rt)
    assert sum(r.status == "sent" for r in rows) == 20 and sum(r.status == "planned" for r in rows) == 100
