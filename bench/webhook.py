"""Benchmark: signed inbound replies through gunicorn at a fixed rate, answered through a fake Twilio.

    .venv/bin/python bench/webhook.py [--db postgresql|sqlite] [--rate 100] [--seconds 10] [--workers 4]

The service runs under gunicorn as in the Procfile (4 sync workers), sending through the real
`twilio` client to tests/support/fake_twilio.py (100 ms per request). Client processes send uniquely
numbered, signed Twilio webhooks from 1,000 enrolled patients ("ok thanks", "walked 3 times today",
a pain score...) at a fixed rate (open loop: a slow answer does not slow the sender). Each is stored,
then processed and answered as in production: on PostgreSQL by the `postop clock` process the
Procfile runs beside gunicorn, woken by the webhook's NOTIFY (bot.inbound_wakeup); on SQLite, or
with `--no-clock`, by the web worker's background thread.
Prints the webhook's latency (p50, p99, max) and how long after the last request every reply had
been processed (at most 120 s are waited). `--store-only` leaves the processing out, to show the
webhook's own latency. Target: p99 at most 50 ms at 100 requests/s on PostgreSQL.
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from urllib.parse import urlencode

from common import CLINIC, ROOT, build_runtime, fresh_database
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot import enrollment
from bot.models import Heartbeat, Inbound
from bot.timeutil import utcnow
from tests.support.fake_twilio import FakeTwilio

TOKEN = "bench-auth-token-0123456789"
PUBLIC = "https://recovery.example.org"
BODIES = ["ok thanks", "walked 3 times today", "4", "feeling a bit better today", "did my ankle pumps",
          "pain is a 3", "gracias, todo bien", "slept ok"]


def service_env(url: str, twilio_url: str) -> dict:
    """The service's settings for a bench run: signed webhooks, the fake Twilio."""
    return {"DATABASE_URL": url, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_FROM_NUMBER": "+12025550100", "TWILIO_API_BASE_URL": twilio_url, "PUBLIC_URL": PUBLIC,
            "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnop", **CLINIC}


def enroll_patients(url: str, count: int) -> list[str]:
    """Enroll `count` invented patients five days after surgery; return their phone numbers."""
    rt = build_runtime(url)
    phones = [f"+1202555{i:04d}" for i in range(count)]
    with rt.session() as session:
        enrollment.create_many(session, rt, [enrollment.NewPatient(
            first_name=f"P{i}", phone=p, surgery_date=date.today() - timedelta(days=5), timezone="America/Chicago",
            language="en", pathway="lumbar-fusion") for i, p in enumerate(phones)], "bench", utcnow())
    rt.dispose()
    return phones


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, env: dict, target: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
                             f"127.0.0.1:{port}", "--log-level", "warning", target], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def signed_requests(phones: list[str], n: int) -> list[tuple[bytes, str]]:
    validator = RequestValidator(TOKEN)
    out = []
    for i in range(n):
        form = {"MessageSid": "SM" + uuid.uuid4().hex, "From": phones[i % len(phones)], "To": "+12025550100",
                "Body": BODIES[i % len(BODIES)], "NumMedia": "0", "AccountSid": "AC" + "0" * 32}
        out.append((urlencode(form).encode(), validator.compute_signature(f"{PUBLIC}/twilio/sms", form)))
    return out


def _client(port: int, requests: list, rate: float, queue: mp.Queue) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies, errors = [], 0
    start = time.perf_counter()
    for i, (body, sig) in enumerate(requests):
        wait = start + i / rate - time.perf_counter()
        if wait > 0:
            time.sleep(wait)  # an open-loop load generator paces itself in real time
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/twilio/sms", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                       "X-Twilio-Signature": sig})
            response = conn.getresponse()
            response.read()
            errors += response.status != 200
        except (OSError, http.client.HTTPException):  # a timeout counts as an error; never hang the run
            conn.close()
            errors += 1
        latencies.append(time.perf_counter() - t0)
    queue.put((latencies, errors))


def load(port: int, requests: list, clients: int, rate: float) -> tuple[list[float], int]:
    queue: mp.Queue = mp.Queue()
    procs = [mp.Process(target=_client, args=(port, requests[i::clients], rate / clients, queue))
             for i in range(clients)]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    return [x for r in results for x in r[0]], sum(r[1] for r in results)


def start_clock(env: dict, url: str) -> subprocess.Popen:
    """`postop clock` as the Procfile runs it; returns once its listener beats."""
    proc = subprocess.Popen([sys.executable, "-m", "bot", "clock"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    rt = build_runtime(url)
    try:
        for _ in range(300):
            with rt.session() as session:
                if session.scalar(select(Heartbeat.name).where(Heartbeat.name.startswith("listen:")).limit(1)):
                    return proc
            time.sleep(0.1)
    finally:
        rt.dispose()
    raise RuntimeError("postop clock did not start listening")


def wait_until_processed(url: str, timeout: float = 120) -> float:
    """Seconds until no stored reply is left unprocessed."""
    rt = build_runtime(url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            with rt.session() as session:
                if not session.scalar(select(func.count()).select_from(Inbound).where(Inbound.processed_at.is_(None))):
                    break
            time.sleep(0.1)
        return time.monotonic() - started
    finally:
        rt.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    parser.add_argument("--seconds", type=int, default=10, help="length of the fixed-rate run")
    parser.add_argument("--store-only", action="store_true",
                        help="leave the replies unprocessed (bench/webhook_store_only.py): the webhook alone")
    parser.add_argument("--no-clock", action="store_true",
                        help="no `postop clock` process: the web workers process every reply themselves")
    args = parser.parse_args()
    url, cleanup = fresh_database(args.db)
    fake = FakeTwilio(latency=0.1).start()
    env = {**os.environ, **service_env(url, fake.url), "PYTHONPATH": str(ROOT / "bench")}
    phones = enroll_patients(url, 1000)
    port = free_port()
    target = "webhook_store_only:app" if args.store_only else "bot.app:create_app()"
    server = start_gunicorn(port, args.workers, env, target)
    clock = None if args.store_only or args.no_clock or args.db != "postgresql" else start_clock(env, url)
    try:
        load(port, signed_requests(phones, 200), args.clients, args.rate)  # warm up
        if not args.store_only:
            wait_until_processed(url)
        latencies, errors = load(port, signed_requests(phones, int(args.rate * args.seconds)), args.clients,
                                 args.rate)
        ms = sorted(x * 1000 for x in latencies)
        print(f"{len(ms)} webhooks at {args.rate:.0f}/s: p50={statistics.median(ms):.1f} ms "
              f"p99={statistics.quantiles(ms, n=100, method='inclusive')[98]:.1f} ms max={ms[-1]:.1f} ms "
              f"(errors {errors}); load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        if not args.store_only:
            print(f"every reply processed {wait_until_processed(url):.1f} s after the last request")
    finally:
        for proc in (server, clock):
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
        fake.stop()
    print(f"gunicorn workers={args.workers}, db={args.db}, cores={os.cpu_count()}, "
          f"replies processed by {'the clock' if clock else 'the web workers'}")
    cleanup()


if __name__ == "__main__":
    main()
