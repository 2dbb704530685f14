"""Dispatch as a continuous loop in the clock process, not an interval job.

An interval job that claims a batch and sends it before returning leaves the rate idle while the
last sends of the batch finish and until the next fire, and skips fires while a long batch runs:
the real clock made about 63% of SEND_RATE that way. Here one thread claims and a pool sends:

- routine rows are claimed in small batches as soon as the queue of claimed, unsent rows falls
  under `DISPATCH_QUEUE_SECONDS` of sending at SEND_RATE, so the pool never runs dry and a claim
  never sits near its lease; pacing (booked in the database) spaces the sends, whatever the
  number of clock processes sharing the sender;
- urgent rows (replies, pages, nudges flagged urgent) have a pool of their own: they never queue
  behind routine texts, and the loop looks for them at least every `DISPATCH_IDLE_SECONDS`;
- it sleeps only when nothing is due (or the queue is full), and a finished send that empties the
  queue, a `kick`, or shutdown wakes it.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from bot import dispatch
from bot.outbox import lifecycle, liveness
from bot.recovery import recover
from bot.runtime import Runtime
from bot.timeutil import utcnow

log = logging.getLogger(__name__)
URGENT_THREADS = 2
URGENT_BATCH = 50
RECOVER_EVERY = 1.0  # seconds: dead claims are looked for this often (staleness is 10 s)


class DispatchLoop:
    def __init__(self, rt: Runtime):
        self.rt = rt
        self.wake = threading.Event()
        threads = rt.settings.dispatch_threads
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="dispatch")
        self.urgent_pool = ThreadPoolExecutor(URGENT_THREADS, thread_name_prefix="dispatch-urgent")
        rate_rows = rt.settings.send_rate * rt.settings.dispatch_queue_seconds
        # At least two rows per thread so no thread idles between batches; never above the batch cap.
        self.target = max(2 * threads, min(int(rate_rows), rt.settings.dispatch_batch))
        self.low_water = max(threads, self.target // 2)
        self._queued = 0  # routine rows claimed and not yet sent
        self._queued_urgent = 0
        # Reentrant: cancelling a future at shutdown runs its done-callback, which takes the lock too.
        self._lock = threading.RLock()
        self._pending: dict[Future, tuple[str, int, bool]] = {}  # owner, row, urgent
        self._last_recovery = float("-inf")

    def kick(self) -> None:
        """Look for due rows now (a new urgent row in this process)."""
        self.wake.set()

    def run(self) -> None:
        """Until `rt.stopping` is set; then unsent claims are handed back and in-flight sends finish."""
        stop = self.rt.stopping
        while not stop.is_set():
            self.wake.clear()  # before the step: a wake-up during it is not lost
            try:
                busy = self.step(utcnow())
            except Exception:  # a database blip must not end the loop; the next step retries
                log.exception("dispatch loop step failed")
                busy = False
            if not busy:
                self.wake.wait(self.rt.settings.dispatch_idle_seconds)
        self.close()

    def step(self, now: datetime) -> bool:
        """One round: recover, claim urgent rows, top up the routine queue. True when it should
        go again at once (a full urgent batch: more may be waiting)."""
        rt = self.rt
        if rt.clock() - self._last_recovery >= RECOVER_EVERY:
            self._last_recovery = rt.clock()
            recover(rt, now)
        # Urgent rows are claimed only as the urgent pool has room: a burst (a hundred answers at
        # once) must not sit claimed in the pool's queue, nor hold up shutdown while it drains.
        with self._lock:
            urgent_room = URGENT_BATCH - self._queued_urgent
        urgent: list[int] = []
        if urgent_room > 0:
            run, urgent = dispatch.claim(rt, now, urgent_room, urgent_only=True)
            self._submit(self.urgent_pool, run, urgent, urgent=True)
        with self._lock:
            room = self.target - self._queued if self._queued <= self.low_water else 0
        if room > 0:
            run, routine = dispatch.claim(rt, now, room, routine_only=True)
            self._submit(self.pool, run, routine, urgent=False)
        return bool(urgent) and len(urgent) == urgent_room

    def _submit(self, pool: ThreadPoolExecutor, run, row_ids: list[int], urgent: bool) -> None:
        with self._lock:
            if urgent:
                self._queued_urgent += len(row_ids)
            else:
                self._queued += len(row_ids)
        for row_id in row_ids:
            future = pool.submit(dispatch.send, run, row_id)
            with self._lock:
                self._pending[future] = (run.owner, row_id, urgent)
            future.add_done_callback(self._done)

    def _done(self, future: Future) -> None:
        with self._lock:
            _owner, _row, urgent = self._pending.pop(future)
            if urgent:
                self._queued_urgent -= 1
                self.wake.set()  # room in the urgent pool: claim the next urgent rows now
            else:
                self._queued -= 1
                if self._queued <= self.low_water:
                    self.wake.set()
        if not future.cancelled() and future.exception() is not None:
            # The row stays claimed; its lease (or our heartbeat, if we die) brings it back.
            log.error("dispatch: send failed unexpectedly", exc_info=future.exception())

    def close(self) -> None:
        """Shutdown: rows still waiting in the queue go back to planned at once (no one waits for a
        lease), the requests already made are finished and recorded."""
        with self._lock:
            waiting = [(f, owner, row_id) for f, (owner, row_id, _urgent) in list(self._pending.items())
                       if f.cancel()]
        by_owner: dict[str, list[int]] = {}
        for _f, owner, row_id in waiting:
            by_owner.setdefault(owner, []).append(row_id)
        try:
            with self.rt.session() as session:
                for owner, ids in by_owner.items():
                    lifecycle.release_unsent(session, owner, ids)
        except Exception:  # the others recover them when our heartbeat goes stale
            log.exception("dispatch loop: could not hand back %d queued texts", len(waiting))
        self.pool.shutdown(wait=True)
        self.urgent_pool.shutdown(wait=True)
        if by_owner:
            log.info("dispatch loop: handed back %d queued texts", len(waiting))


def start(rt: Runtime) -> tuple[DispatchLoop, threading.Thread]:
    """The loop in a thread of its own, with this process's heartbeat beside it."""
    liveness.start_beating(rt)
    loop = DispatchLoop(rt)
    thread = threading.Thread(target=loop.run, name="dispatch-loop", daemon=True)
    thread.start()
    return loop, thread
