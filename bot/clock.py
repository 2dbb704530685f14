"""The one APScheduler process: it only wakes the jobs; the outbox and the tables hold the state.

APScheduler's defaults would silently drop a job that runs late (misfire_grace_time=1); here a late
run still happens (grace of a few minutes) and a backlog of missed runs collapses into one.
"""
from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.jobs import JOBS, run_job
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


def configure(scheduler, rt: Runtime):
    for job in JOBS:
        every = rt.config[job.every_seconds] if isinstance(job.every_seconds, str) else job.every_seconds
        scheduler.add_job(_runner(rt, job), "interval", seconds=every, id=job.name, name=job.name,
                          replace_existing=True, next_run_time=datetime.now(UTC))
    return scheduler


def run_forever(rt: Runtime) -> None:
    """`postop clock`: blocks until SIGTERM or SIGINT, then lets running jobs finish and exits."""
    scheduler = configure(BlockingScheduler(job_defaults=JOB_DEFAULTS, timezone="UTC"), rt)

    def stop(signum, _frame) -> None:
        log.info("clock: signal %s, finishing running jobs and exiting", signum)
        # shutdown() from inside the blocking loop's thread would deadlock waiting on itself.
        threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("clock started: %s", ", ".join(j.name for j in JOBS))
    scheduler.start()
    log.info("clock stopped")


def start_background(rt: Runtime) -> BackgroundScheduler:
    """For `postop run` (one machine): the same jobs in a background thread of the web process."""
    scheduler = configure(BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone="UTC"), rt)
    scheduler.start()
    return scheduler
