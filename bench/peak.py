"""The peak hour with real `postop clock` processes: N due texts through a Messaging Service against
a fake Twilio answering in 100 ms; achieved segments per second against the configured total rate.

    .venv/bin/python bench/peak.py [--db sqlite|postgresql] [--clocks 1] [--rate 50] [--texts 3000]

Not a loop in the bench: each clock is `python -m bot clock`, as in the Procfile. Pacing is booked
in the database per sender (here the Messaging Service), so SEND_RATE is the total of all clocks.
The fake answers 429 above 10 concurrent requests per clock process (Twilio limits concurrency per
account; a clock sends from at most DISPATCH_THREADS + 2 threads). Target: at least 95%, no 429.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta

import psutil
from common import CLINIC, ROOT, SECRET, fresh_database
from sqlalchemy import func, select

from bot import db
from bot.models import Heartbeat, Outbox
from tests.support.fake_twilio import FakeTwilio

SERVICE = "MG" + "1" * 32


def add_due(url: str, texts: int, run: str = "") -> None:
    engine = db.make_engine(url)
    due = datetime.utcnow() - timedelta(minutes=1)  # noqa: DTZ003 (naive UTC, as stored)
    rows = [{"key": f"peak{run}-{i}", "to_phone": f"+1202555{i % 100 + 100:04d}", "kind": "oneoff",
             "body": f"Peak text {run}-{i}: a ten-minute walk before lunch.", "due_at": due, "status": "planned",
             "urgent": False, "attempts": 0, "in_doubt": False, "silence_checked": False,
             "created_at": due, "updated_at": due} for i in range(texts)]
    with engine.begin() as conn:
        conn.execute(Outbox.__table__.insert(), rows)
    engine.dispose()


def beating(url: str) -> int:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(Heartbeat).where(Heartbeat.name.like("proc:%"))).scalar()
    engine.dispose()
    return n


def clock_env(url: str, fake_url: str, rate: float) -> dict:
    return {**os.environ, **CLINIC, "DATABASE_URL": url, "SECRET_KEY": SECRET, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": "bench-auth-token", "TWILIO_FROM_NUMBER": "",
            "TWILIO_MESSAGING_SERVICE_SID": SERVICE, "TWILIO_API_BASE_URL": fake_url, "SEND_RATE": str(rate),
            "PUBLIC_URL": "", "PYTHONUNBUFFERED": "1"}


def peak(url: str, clocks: int, rate: float, texts: int, latency: float, timeout: float = 600) -> dict:
    fake = FakeTwilio(latency=latency, max_concurrent=10 * clocks).start()
    # Logs to a file: a pipe nobody reads fills up and blocks the clock's logging.
    logs = [tempfile.TemporaryFile("w+") for _ in range(clocks)]
    procs = [subprocess.Popen([sys.executable, "-m", "bot", "clock"], env=clock_env(url, fake.url, rate), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=log)
             for log in logs]
    started = time.monotonic()
    try:
        # The texts fall due while every clock is up (as at 9 a.m.), not while they start one by one.
        while beating(url) < clocks and time.monotonic() - started < 60:
            time.sleep(0.2)
        add_due(url, texts, f"{clocks}-{time.time():.0f}")
        cpu0 = sum(_cpu(p) for p in procs)
        while len(fake.messages) < texts and time.monotonic() - started < timeout:
            if any(p.poll() is not None for p in procs):
                log = logs[next(i for i, p in enumerate(procs) if p.poll() is not None)]
                log.seek(0)
                raise RuntimeError("a clock exited: " + log.read()[-3000:])
            time.sleep(0.2)  # a bench waiting on real processes
        cpu = sum(_cpu(p) for p in procs) - cpu0
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
        fake.stop()
    times = sorted(m.at for m in fake.messages)
    window = times[-1] - times[0] if len(times) > 1 else float("nan")
    achieved = (len(times) - 1) / window  # one segment each
    twice = sum(n - 1 for n in Counter(m.body for m in fake.messages).values() if n > 1)
    return {"clocks": clocks, "sent": len(times), "seconds": window, "achieved": achieved,
            "share": achieved / rate, "http_429": fake.rejected_429, "twice": twice, "rate": rate,
            "cpu_ms_per_text": 1000 * cpu / max(len(times), 1)}


def _cpu(proc) -> float:
    times = psutil.Process(proc.pid).cpu_times()
    return times.user + times.system


def report(result: dict, db_kind: str) -> str:
    return (f"peak_hour db={db_kind} clocks={result['clocks']} configured={result['rate']:g}/s sent={result['sent']} "
            f"seconds={result['seconds']:.1f} achieved={result['achieved']:.1f} segments/s "
            f"({100 * result['share']:.1f}% of configured) http_429={result['http_429']} sent_twice={result['twice']} "
            f"clock_cpu_ms_per_text={result['cpu_ms_per_text']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--clocks", type=int, default=1)
    parser.add_argument("--rate", type=float, default=None, help="total SEND_RATE (default 50 per clock)")
    parser.add_argument("--texts", type=int, default=3000)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    url, cleanup = fresh_database(args.db)
    try:
        result = peak(url, args.clocks, args.rate or 50.0 * args.clocks, args.texts, args.latency)
        print(report(result, args.db), flush=True)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
