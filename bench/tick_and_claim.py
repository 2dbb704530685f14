"""Benchmark (b) on PostgreSQL: tick cost with nothing due, claim cost, clock memory.

    .venv/bin/python bench/tick_and_claim.py [--patients 100000] [--small 1000]

Enrolls N patients (surgery dates spread over the last 80 days, 4 US zones), then measures:
- a full `tick` (heartbeat, planner, dispatch, ...) at a moment when nothing is due, for N and for
  `--small` patients: target at most 10 ms, and N at most 1.5 x the small one;
- claiming 1,000 due texts: target at most 100 ms;
- resident memory of a `postop clock` process on the big database: target at most 150 MB.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

import psutil
from common import ROOT, SECRET, build_runtime, fresh_database

from bot import enrollment
from bot.jobs import JOBS, run_job, tick
from bot.outbox.lifecycle import claim
from bot.timeutil import utcnow

ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
# 08:00 UTC: the small hours in the US, so every planned text is still ahead.
MOMENT = datetime.combine(date.today(), datetime.min.time()) + timedelta(hours=8)


def populate(rt, n: int) -> None:
    patients = [enrollment.NewPatient(first_name=f"P{i}", phone=f"+1{201 + i // 10000}555{i % 10000:04d}",
                                      surgery_date=MOMENT.date() - timedelta(days=i % 80), timezone=ZONES[i % 4],
                                      language="es" if i % 3 == 0 else "en", pathway="lumbar-fusion")
                for i in range(n)]
    for start in range(0, n, 5000):
        with rt.session() as session:
            enrollment.create_many(session, rt, patients[start:start + 5000], "bench", MOMENT)
    with rt.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def time_ticks(rt, runs: int = 50, moment: datetime = MOMENT) -> float:
    tick(rt, moment)  # warm connections and caches
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = tick(rt, moment)
        samples.append((time.perf_counter() - started) * 1000)
        assert result["dispatch"].claimed == 0 and result["planner"] == 0, result
    return statistics.median(samples)


def time_jobs(rt, runs: int = 30, moment: datetime = MOMENT) -> str:
    """Median milliseconds of each job alone, to see where a tick's time goes."""
    parts = []
    for job in JOBS:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            run_job(rt, job, moment)
            samples.append((time.perf_counter() - started) * 1000)
        parts.append(f"{job.name}={statistics.median(samples):.2f}")
    return " ".join(parts)


def time_claims(rt, rounds: int = 5, moment: datetime = MOMENT) -> float:
    samples = []
    for i in range(rounds):
        with rt.session() as session:
            started = time.perf_counter()
            ids = claim(session, moment + timedelta(days=3), 1000, f"bench{i}", timedelta(minutes=10))
            samples.append((time.perf_counter() - started) * 1000)
            assert len(ids) == 1000
    return statistics.median(samples)


def clock_memory(url: str, seconds: float = 15) -> float:
    env = {**os.environ, "DATABASE_URL": url, "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "",
           "SECRET_KEY": SECRET}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "clock"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            peak = max(peak, psutil.Process(proc.pid).memory_info().rss / 2**20)
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return peak


def measure(n: int) -> tuple[float, str, object]:
    url, cleanup = fresh_database("postgresql")
    rt = build_runtime(url)
    started = time.perf_counter()
    populate(rt, n)
    print(f"  enrolled {n} patients in {time.perf_counter() - started:.1f} s", flush=True)
    total = time_ticks(rt)
    print(f"  tick with {n} patients: median {total:.2f} ms; per job ms: {time_jobs(rt)}", flush=True)
    return total, url, (rt, cleanup)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1000)
    args = parser.parse_args()
    small_ms, _, (small_rt, small_cleanup) = measure(args.small)
    small_rt.engine.dispose()
    small_cleanup()
    big_ms, url, (rt, cleanup) = measure(args.patients)
    try:
        claim_ms = time_claims(rt)
        rss = clock_memory(url)
    finally:
        rt.engine.dispose()
        cleanup()
    print(f"tick_nothing_due patients={args.small} median_ms={small_ms:.2f}")
    print(f"tick_nothing_due patients={args.patients} median_ms={big_ms:.2f} (target <= 10) "
          f"ratio_to_small={big_ms / small_ms:.2f} (target <= 1.5)")
    print(f"claim_1000_due patients={args.patients} median_ms={claim_ms:.1f} (target <= 100)")
    print(f"clock_process_peak_rss_mb={rss:.1f} (target <= 150) at {utcnow():%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
