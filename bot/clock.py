"""The clock process: APScheduler wakes the periodic jobs, dispatch runs as a loop of its own, and on
PostgreSQL a listener acts on each new reply the moment the webhook stores it (bot.inbound_wakeup).

APScheduler's defaults would silently drop a job that runs late (misfire_grace_time=1); here a late
run still happens (grace of a few minutes) and a backlog of missed runs collapses into one.
Dispatch is not one of its jobs here (`postop tick` still runs it as one): an interval job skips
fires while a long batch runs, so the clock ran at about 63% of SEND_RATE; `dispatch_loop` claims
the next batch as soon as pacing allows. Several clock processes may run (PostgreSQL): rows are
claimed with SKIP LOCKED, pacing is booked in the database, singleton jobs take advisory locks.
"""
from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot import dispatch_loop, inbound_wakeup
from bot.jobs import JOBS, run_job
from bot.outbox import liveness
from bot.runtime import Runtime
from bot.timeutil import utcnow

log = logging.getLogger(__name__)
JOB_DEFAULTS = {"misfire_grace_time": 300, "coalesce": True, "max_instances": 1}


def _runner(rt: Runtime, job):
    def run() -> None:
        try:
            run_job(rt, job, utcnow())
        except Exception:  # one failed pass must not stop the clock; the next one retries
            log.exception("job %s failed", job.name)
    return run


# Run by the dispatch loop instead of the scheduler.
LOOPED = {"dispatch"}


def configure(scheduler, rt: Runtime):
    for job in JOBS:
        if job.name in LOOPED:
            continue
        every = job.every_seconds(rt.settings) if callable(job.every_seconds) else job.every_seconds
        scheduler.add_job(_runner(rt, job), "interval", seconds=every, id=job.name, name=job.name,
                          replace_existing=True, next_run_time=datetime.now(UTC))
    return scheduler


def run_forever(rt: Runtime) -> None:
    """`postop clock`: blocks until SIGTERM or SIGINT, then lets running jobs finish and exits."""
    scheduler = configure(BlockingScheduler(job_defaults=JOB_DEFAULTS, timezone="UTC"), rt)
    loop, loop_thread = dispatch_loop.start(rt)
    listener = inbound_wakeup.start(rt, after=loop.kick)

    def stop(signum, _frame) -> None:
        log.info("clock: signal %s, finishing running jobs and exiting", signum)
        rt.stopping.set()
        # shutdown() from inside the blocking loop's thread would deadlock waiting on itself.
        threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("clock started: %s, and the dispatch loop", ", ".join(j.name for j in JOBS if j.name not in LOOPED))
    scheduler.start()
    loop_thread.join()
    if listener is not None:
        listener.join()
    forget(rt)
    log.info("clock stopped")


def start_background(rt: Runtime) -> BackgroundScheduler:
    """For `postop run` (one machine): the same jobs in a background thread of the web process."""
    scheduler = configure(BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone="UTC"), rt)
    scheduler.start()
    loop, _thread = dispatch_loop.start(rt)
    inbound_wakeup.start(rt, after=loop.kick)
    return scheduler


def forget(rt: Runtime) -> None:
    """A clean exit: our heartbeat row goes, so nobody waits for it to go stale."""
    try:
        with rt.session() as session:
            liveness.forget(session)
    except Exception:
        log.exception("clock: could not remove its heartbeat row")
