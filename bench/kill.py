"""kill -9 of a real `postop clock` holding about 500 claimed texts, while a second clock runs.

    .venv/bin/python bench/kill.py [--db sqlite|postgresql]

Clock A keeps ten seconds of sends claimed ahead (DISPATCH_QUEUE_SECONDS=10 at SEND_RATE=50), so it
holds about 500 claims; 500 texts fall due (50 urgent, sent without pacing by two threads against a
fake Twilio answering in 100 ms, so A is still holding most of them), and A is killed with SIGKILL
a second later. Clock B, already running, must send the urgent ones within 15 s of the kill and
all within 30 s, none twice (the requests A had made are found in Twilio's log and adopted).
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

from common import ROOT, fresh_database
from peak import beating, clock_env
from sqlalchemy import func, select

from bot import db
from bot.models import Outbox
from tests.support.fake_twilio import FakeTwilio


def add_due(url: str) -> None:
    engine = db.make_engine(url)
    due = datetime.utcnow() - timedelta(seconds=1)  # noqa: DTZ003 (naive UTC, as stored)
    rows = [{"key": f"kill-{i}", "to_phone": f"+1202555{i % 100 + 100:04d}", "kind": "reply" if i < 50 else "oneoff",
             "body": f"Kill test {i}: call us if the pain spreads.", "due_at": due, "status": "planned",
             "urgent": i < 50, "attempts": 0, "in_doubt": False, "silence_checked": False,
             "created_at": due, "updated_at": due} for i in range(500)]
    with engine.begin() as conn:
        conn.execute(Outbox.__table__.insert(), rows)
    engine.dispose()


def claimed(url: str) -> int:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(Outbox).where(Outbox.status == "sending")).scalar()
    engine.dispose()
    return n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    args = parser.parse_args()
    url, cleanup = fresh_database(args.db)
    fake = FakeTwilio(latency=0.1, max_concurrent=30).start()
    env = clock_env(url, fake.url, 50)
    logs = [tempfile.TemporaryFile("w+") for _ in range(2)]
    start = lambda extra, log: subprocess.Popen([sys.executable, "-m", "bot", "clock"],  # noqa: E731
                                                env={**env, **extra}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    a = start({"DISPATCH_QUEUE_SECONDS": "10"}, logs[0])
    try:
        while beating(url) < 1:
            time.sleep(0.1)  # a bench waiting on real processes
        add_due(url)
        time.sleep(1.0)
        held = claimed(url)
        os.kill(a.pid, signal.SIGKILL)
        killed = time.monotonic()
        sent_by_a = len(fake.messages)
        b = start({}, logs[1])  # the other clock (it starts now; the staleness limit is 10 s anyway)
        try:
            while len({m.body for m in fake.messages}) < 500 and time.monotonic() - killed < 120:
                time.sleep(0.1)
        finally:
            b.send_signal(signal.SIGTERM)
            b.wait(timeout=60)
    finally:
        if a.poll() is None:
            a.kill()
        fake.stop()
    urgent = [m.at - killed for m in fake.messages if int(m.body.split()[2].rstrip(":")) < 50]
    every = [m.at - killed for m in fake.messages]
    twice = sum(n - 1 for n in Counter(m.body for m in fake.messages).values() if n > 1)
    print(f"kill_9 db={args.db} claimed_by_killed_clock={held} sent_before_kill={sent_by_a} "
          f"urgent_last_s_after_kill={max(urgent):.1f} (target <= 15) all_last_s_after_kill={max(every):.1f} "
          f"(target <= 30) delivered={len({m.body for m in fake.messages})}/500 sent_twice={twice}", flush=True)
    cleanup()


if __name__ == "__main__":
    main()
