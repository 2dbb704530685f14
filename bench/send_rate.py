"""Benchmark (a): achieved send rate against a fake Twilio that answers in 100 ms.

    .venv/bin/python bench/send_rate.py [--rate 50] [--messages 500] [--latency 0.1]

Runs the real dispatcher (real `twilio` client, HTTP to a local fake) at SEND_RATE, beside a
one-at-a-time sender (one thread, no overlap) in the same run. Target: at least 95% of the
configured rate in segments per second, zero 429s.
"""
from __future__ import annotations

import argparse
import time
from datetime import datetime

from common import build_runtime, fresh_database

from bot.dispatch import dispatch_due
from bot.models import Outbox
from tests.support.fake_twilio import FakeTwilio

NOW = datetime(2026, 11, 21, 15, 0)


def run(label: str, db: str, rate: float, messages: int, latency: float, threads: int, max_concurrent: int):
    fake = FakeTwilio(latency=latency, max_concurrent=max_concurrent).start()
    url, cleanup = fresh_database(db)
    rt = build_runtime(url, TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="bench",
                       TWILIO_FROM_NUMBER="+12025550100", TWILIO_API_BASE_URL=fake.url,
                       SEND_RATE=str(rate), DISPATCH_THREADS=str(threads))
    with rt.session() as s:
        s.add_all(Outbox(key=f"b{i}", to_phone=f"+1202555{i % 100 + 100:04d}", kind="oneoff",
                         body=f"Bench text {i}: take a short walk today.", due_at=NOW) for i in range(messages))
    started = time.perf_counter()
    while dispatch_due(rt, NOW).claimed:
        pass
    elapsed = time.perf_counter() - started
    sent = len(fake.messages)
    achieved = sent / elapsed  # each bench text is one segment
    print(f"{label}: db={db} configured={rate:g}/s sent={sent} seconds={elapsed:.2f} "
          f"achieved={achieved:.1f} segments/s ({100 * achieved / rate:.1f}% of configured) "
          f"http_429={fake.rejected_429}")
    rt.engine.dispose()
    fake.stop()
    cleanup()
    return achieved


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--max-concurrent", type=int, default=10, help="fake Twilio answers 429 above this")
    args = parser.parse_args()
    run("paced dispatcher (8 threads)", args.db, args.rate, args.messages, args.latency, 8, args.max_concurrent)
    run("one-at-a-time sender", args.db, args.rate, min(args.messages, 100), args.latency, 1, args.max_concurrent)


if __name__ == "__main__":
    main()
