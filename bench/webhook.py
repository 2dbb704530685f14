"""Benchmark: signed inbound replies through gunicorn, beside a bare Flask endpoint in the same run.

    .venv/bin/python bench/webhook.py [--db postgresql|sqlite] [--seconds 10] [--workers 4]

The apps run under gunicorn with the same worker settings, side by side: the bare endpoint, the
service, and a third for reference, the bare endpoint plus the service's durable write of the reply
and nothing else (bench/bare_app.py). (1) Throughput, with client processes sending as fast as they
can, in alternating rounds (bare, stored, service, bare, ...) so that the machine's slow moments hit
all alike; each ratio is the median of the rounds' ratios. (2) Latency at a fixed 100 requests per
second.
Every request to the service is a real, uniquely numbered, signed Twilio webhook from an enrolled
patient ("ok thanks", "walked 3 times today", a pain score...), so it is stored, triaged and
answered. Targets: service throughput at least 50% of the bare endpoint's; p99 at most 50 ms at 100/s.
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

from common import ROOT, build_runtime, fresh_database
from twilio.request_validator import RequestValidator

from bot import enrollment
from bot.timeutil import utcnow

TOKEN = "bench-auth-token-0123456789"
PUBLIC = "https://recovery.example.org"
BODIES = ["ok thanks", "walked 3 times today", "4", "feeling a bit better today", "did my ankle pumps",
          "pain is a 3", "gracias, todo bien", "slept ok"]


def service_env(url: str) -> dict:
    """The service's settings for a bench run: signed webhooks, no real Twilio."""
    return {"DATABASE_URL": url, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_FROM_NUMBER": "+12025550100", "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
            "PUBLIC_URL": PUBLIC, "SECRET_KEY": "bench-secret-key-0123456789"}


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


def start_gunicorn(target: str, port: int, workers: int, threads: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
                             "--bind",
                             f"127.0.0.1:{port}", "--log-level", "warning", target], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn {target} did not start")


def signed_requests(phones: list[str], n: int) -> list[tuple[bytes, str]]:
    validator = RequestValidator(TOKEN)
    out = []
    for i in range(n):
        form = {"MessageSid": "SM" + uuid.uuid4().hex, "From": phones[i % len(phones)], "To": "+12025550100",
                "Body": BODIES[i % len(BODIES)], "NumMedia": "0", "AccountSid": "AC" + "0" * 32}
        out.append((urlencode(form).encode(), validator.compute_signature(f"{PUBLIC}/twilio/sms", form)))
    return out


def _client(port: int, requests: list, rate: float | None, queue: mp.Queue) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies, errors = [], 0
    start = time.perf_counter()
    for i, (body, sig) in enumerate(requests):
        if rate:
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
    queue.put((latencies, errors, time.perf_counter() - start))


def load(port: int, requests: list, clients: int, rate: float | None) -> tuple[float, list[float], int]:
    queue: mp.Queue = mp.Queue()
    per = [requests[i::clients] for i in range(clients)]
    procs = [mp.Process(target=_client, args=(port, chunk, rate / clients if rate else None, queue)) for chunk in per]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    elapsed = time.perf_counter() - started
    for p in procs:
        p.join()
    latencies = [x for r in results for x in r[0]]
    return len(latencies) / elapsed, latencies, sum(r[1] for r in results)


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn --threads (gthread workers when > 1)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=3000, help="per throughput round")
    parser.add_argument("--rounds", type=int, default=10, help="alternating throughput rounds per app")
    parser.add_argument("--seconds", type=int, default=10, help="length of the fixed-rate run")
    args = parser.parse_args()
    url, cleanup = fresh_database(args.db)
    env = {**os.environ, **service_env(url), "PYTHONPATH": str(ROOT / "bench")}
    phones = enroll_patients(url, 1000)
    targets = {"bare Flask endpoint": "bare_app:app", "bare + durable write": "bare_app:stored_app",
               "postop /twilio/sms": "bot.app:create_app()"}
    ports = {label: free_port() for label in targets}
    servers = [start_gunicorn(target, ports[label], args.workers, args.threads, env)
               for label, target in targets.items()]
    rates: dict[str, list[float]] = {label: [] for label in targets}
    try:
        for label in targets:
            load(ports[label], signed_requests(phones, 300), args.clients, None)  # warm up
        # Throughput in alternating rounds, so that a slow moment of the machine hits both alike.
        for n in range(args.rounds):
            for label in targets:
                rps, _, errors = load(ports[label], signed_requests(phones, args.requests), args.clients, None)
                rates[label].append(rps)
                print(f"round {n + 1} {label}: {rps:.0f} req/s (errors {errors})", flush=True)
        for label in targets:
            _, fixed, fixed_errors = load(ports[label], signed_requests(phones, 100 * args.seconds), 4, 100.0)
            print(f"{label}: median throughput={statistics.median(rates[label]):.0f} req/s; at 100 req/s: "
                  f"p50={statistics.median(fixed) * 1000:.1f} ms p99={p99(fixed):.1f} ms (errors {fixed_errors})",
                  flush=True)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    for label, note in (("bare + durable write", "for reference"), ("postop /twilio/sms", "target >= 50%")):
        ratios = [s / b for s, b in zip(rates[label], rates["bare Flask endpoint"], strict=True)]
        print(f"{label} / bare throughput = {100 * statistics.median(ratios):.0f}% median of "
              f"{', '.join(f'{100 * r:.0f}%' for r in ratios)} ({note})")
    print(f"gunicorn workers={args.workers} threads={args.threads}, db={args.db}, cores={os.cpu_count()}")
    cleanup()


if __name__ == "__main__":
    main()
