"""Scale on PostgreSQL: 1,000 and 100,000 enrolled patients (and 1,000,000 with --million).

    .venv/bin/python bench/scale.py [--sizes 1000,100000] [--million] [--no-peak]

For each size, in a fresh database: enrollments by COPY, their first days planned by the bulk
planner, then
- the daily planner pass: every zone's next day has begun, every patient gets one more day
  (wall, and CPU of this process plus the PostgreSQL backend it used, per patient);
- the idle tick: every job once when nothing is due (median of 50);
- claiming 1,000 due texts (median of 5);
- a real `postop clock`'s peak resident memory over 15 s on that database;
- at the end, the idle tick of the smallest and the largest database again, in alternating rounds,
  so that both are timed on the same machine at the same moments.
Then on the largest database the peak hour (bench/peak.py): 3,000 due texts through a Messaging
Service with 100 ms fake latency, one clock at SEND_RATE=50 and three clocks at a total of 150.
Targets: planner <= 0.25 ms CPU per patient per day (100,000); tick at the largest <= 1.5x the tick
at 1,000; clock memory <= 150 MB; peak >= 95% of the configured rate with no 429s.
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, datetime, timedelta

import psutil
from common import build_runtime, fresh_database
from peak import peak, report
from tick_and_claim import clock_memory, time_claims, time_jobs, time_ticks

from bot import planner_bulk
from bot.clinics import default_clinic

ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
# 09:00 UTC the day after tomorrow: the small hours in the US (every zone's day has begun, every
# text of the day is ahead), and later than the real clock, so a `postop clock` started on the
# database finds nothing due.
MOMENT = datetime.combine(date.today() + timedelta(days=2), datetime.min.time()) + timedelta(hours=9)
COLUMNS = ("id", "clinic_id", "first_name", "phone", "surgery_date", "timezone", "language", "pathway",
           "status", "planned_through_day", "plan_next_at", "created_at", "updated_at")


def populate(rt, n: int) -> None:
    """n invented patients (surgery over the last 80 days, four US zones), planned as of a day ago."""
    day_before = MOMENT - timedelta(days=1)
    with rt.session() as session:
        clinic = default_clinic(session, rt.settings).id
    for start in range(0, n, 100_000):
        rows = [(i + 1, clinic, f"P{i}", f"+1{201 + i // 10000}555{i % 10000:04d}",
                 MOMENT.date() - timedelta(days=i % 80), ZONES[i % 4], "es" if i % 3 == 0 else "en",
                 "lumbar-fusion", "active", -1, day_before, day_before, day_before)
                for i in range(start, min(start + 100_000, n))]
        with rt.session() as session:
            planner_bulk.copy_rows(session, "enrollments", COLUMNS, rows)
    with rt.session() as session:
        session.connection().exec_driver_sql(f"SELECT setval('enrollments_id_seq', {n})")
    planner_bulk.pass_due(rt, day_before)
    with rt.session() as session:  # yesterday's texts went out yesterday
        session.connection().exec_driver_sql(
            "UPDATE outbox SET status = 'sent', sent_at = due_at WHERE status = 'planned' AND due_at <= %(m)s",
            {"m": MOMENT})
    analyze(rt)


def analyze(rt) -> None:
    """VACUUM and ANALYZE after the bulk writes, as autovacuum would soon do in production: the daily
    pass rewrites every enrollment and the bench marks a day of texts sent in one statement, and the
    idle probes would otherwise walk the index entries of those dead row versions."""
    with rt.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")


def planner_pass(rt, n: int) -> dict:
    """The daily pass at MOMENT on one pooled connection, whose backend's CPU is counted too."""
    rt.engine.dispose()
    with rt.session() as session:
        backend = psutil.Process(session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar())
    before_server, before = sum(backend.cpu_times()[:2]), time.process_time()
    started = time.perf_counter()
    added = planner_bulk.pass_due(rt, MOMENT)
    wall = time.perf_counter() - started
    client = time.process_time() - before
    server = sum(backend.cpu_times()[:2]) - before_server
    analyze(rt)
    return {"wall": wall, "client": client, "server": server, "rows": added,
            "ms_per_patient": 1000 * (client + server) / n, "client_ms_per_patient": 1000 * client / n}


def measure(n: int, keep: bool) -> tuple[dict, str | None, object]:
    """One size in a fresh database; kept (its URL and cleanup returned) when `keep`."""
    url, cleanup = fresh_database("postgresql")
    rt = build_runtime(url)
    try:
        started = time.perf_counter()
        populate(rt, n)
        result = {"n": n, "populate_s": time.perf_counter() - started}
        result["plan"] = planner_pass(rt, n)
        result["tick_ms"] = time_ticks(rt, moment=MOMENT)
        result["jobs"] = time_jobs(rt, runs=20, moment=MOMENT)
        result["rss_mb"] = clock_memory(url)
        # Five claims of 1,000 need 5,000 due texts: not there with 1,000 patients.
        result["claim_ms"] = time_claims(rt, moment=MOMENT) if n >= 10_000 else float("nan")
    finally:
        rt.dispose()
        if not keep:
            cleanup()
    p = result["plan"]
    print(f"patients={n:,} populated_s={result['populate_s']:.0f} | planner_pass wall_s={p['wall']:.2f} "
          f"cpu_s={p['client']:.2f}+{p['server']:.2f} (this process + PostgreSQL backend) rows={p['rows']:,} "
          f"ms_cpu_per_patient_day={p['ms_per_patient']:.3f} (client alone {p['client_ms_per_patient']:.3f}) | "
          f"idle_tick_median_ms={result['tick_ms']:.2f} | claim_1000_median_ms={result['claim_ms']:.1f} | "
          f"clock_peak_rss_mb={result['rss_mb']:.1f}\n  per job, median ms: {result['jobs']}", flush=True)
    return result, (url if keep else None), (cleanup if keep else None)


def side_by_side(small_url: str, big_url: str, rounds: int = 5) -> tuple[float, float]:
    """Median idle tick of each database, timed in alternating rounds so that both see the same
    machine (a shared machine's load moves the absolute numbers by several times)."""
    small_rt, big_rt = build_runtime(small_url), build_runtime(big_url)
    small, big = [], []
    try:
        for _ in range(rounds):
            small.append(time_ticks(small_rt, runs=20, moment=MOMENT))
            big.append(time_ticks(big_rt, runs=20, moment=MOMENT))
    finally:
        small_rt.dispose()
        big_rt.dispose()
    return statistics.median(small), statistics.median(big)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--million", action="store_true", help="also 1,000,000 patients (about 6 GB, long)")
    parser.add_argument("--no-peak", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] + ([1_000_000] if args.million else [])
    results, kept = [], []
    for n in sizes:
        # The smallest and the largest databases are kept to time their idle ticks side by side.
        result, url, cleanup = measure(n, keep=n in (sizes[0], sizes[-1]))
        results.append(result)
        if url:
            kept.append((url, cleanup))
    small, big = results[0], results[-1]
    print(f"idle tick ratio {big['n']:,} / {small['n']:,} = {big['tick_ms'] / small['tick_ms']:.2f} "
          "(each measured when its database was made)")
    small_ms, big_ms = side_by_side(kept[0][0], kept[-1][0])
    print(f"idle tick side by side (five alternating rounds of 20): {small['n']:,} patients {small_ms:.2f} ms, "
          f"{big['n']:,} patients {big_ms:.2f} ms: ratio {big_ms / small_ms:.2f} (target <= 1.5)", flush=True)
    for _url, cleanup in kept[:-1]:
        cleanup()
    url, cleanup = kept[-1]
    if args.no_peak:
        cleanup()
    else:
        try:
            for clocks in (1, 3):
                print(report(peak(url, clocks, 50.0 * clocks, 3000, 0.1), "postgresql") +
                      f" patients={big['n']:,}", flush=True)
        finally:
            cleanup()


if __name__ == "__main__":
    main()
