"""The periodic jobs. Each is a function of (runtime, now) that does one pass and returns a summary;
the clock decides when they run, `postop tick` runs each once."""
from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text, update

from bot import dispatch, escalation, inbound, planner_bulk, review, silence
from bot.db import rowcount
from bot.models import Enrollment, Heartbeat
from bot.runtime import Runtime
from bot.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Runtime, datetime], object]
    every_seconds: int | Callable[[Settings], int]  # seconds, or where the settings hold them
    # Singletons must not run in two clock processes at once: they take a PostgreSQL advisory lock,
    # but only after `pending` (a cheap probe) says there is work, so an idle tick stays cheap.
    singleton: bool = False
    pending: Callable[[Runtime, datetime], bool] | None = None


@contextmanager
def advisory_lock(rt: Runtime, name: str):
    """Yield True if this process holds the job's lock (always True on SQLite: one machine)."""
    if rt.engine.dialect.name != "postgresql":
        yield True
        return
    key = zlib.crc32(name.encode())
    with rt.engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        try:
            yield bool(got)
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


def heartbeat(rt: Runtime, now: datetime) -> None:
    with rt.session() as session:
        if not rowcount(session, update(Heartbeat).where(Heartbeat.name == "clock").values(at=now)):
            session.add(Heartbeat(name="clock", at=now))


def _plan_pending(rt: Runtime, now: datetime) -> bool:
    with rt.session() as session:
        return session.scalar(select(Enrollment.id).where(Enrollment.plan_next_at <= now).limit(1)) is not None


def plan_due(rt: Runtime, now: datetime) -> int:
    """Extend the outbox for enrollments whose next local day has begun, set-wise (bot.planner_bulk).
    The clock runs it in a scheduler thread of its own, beside the dispatch loop and the ladder, in
    chunks of one transaction each."""
    return planner_bulk.pass_due(rt, now)


# In tick order: plan before dispatch so newly due texts go out in the same tick, and page before
# dispatch so a page the watchdog queues goes out at once.
JOBS: list[Job] = [
    Job("heartbeat", heartbeat, 30),
    Job("planner", plan_due, 300, singleton=True, pending=_plan_pending),
    # Replies the webhook stored but no thread acted on (a crash, a restart): never left unread.
    Job("inbound", inbound.process_pending, lambda settings: settings.inbound_sweep_seconds),
    # The ladder must move within a minute of a page timing out.
    Job("escalation_watchdog", escalation.watchdog, 30),
    # A review item past its deadline pages the ladder at low priority (then the watchdog moves it).
    Job("review_overdue", review.page_overdue, 60),
    Job("silence", silence.check, 600),
    # `postop tick` runs it as a job; the clock runs it as a loop of its own (bot.dispatch_loop).
    Job("dispatch", dispatch.dispatch_due, 10),
]


def run_job(rt: Runtime, job: Job, now: datetime) -> object:
    if job.pending is not None and not job.pending(rt, now):
        return 0
    if not job.singleton:
        return job.run(rt, now)
    with advisory_lock(rt, job.name) as mine:
        if not mine:
            log.info("%s: another clock holds the lock; skipping this run", job.name)
            return None
        return job.run(rt, now)


def tick(rt: Runtime, now: datetime) -> dict[str, object]:
    """Every job once, in order."""
    return {job.name: run_job(rt, job, now) for job in JOBS}
