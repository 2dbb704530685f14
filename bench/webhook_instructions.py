"""Instructions per webhook request of the app itself, in process (no gunicorn, no client), counted
by valgrind: repeatable to about 1% whatever else the machine is doing, unlike timings.

    .venv/bin/python bench/webhook_instructions.py [--db postgresql|sqlite]

Runs this script under `valgrind --tool=cachegrind` twice, with 100 and with 1,100 signed replies
(the eight bench replies of bench/webhook.py, from eight enrolled patients), and prints the
difference divided by 1,000: start-up and imports cancel out. The database server's own work is not
counted (it is another process). Needs Debian's valgrind.
"""
from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
import tempfile

from common import ROOT, fresh_database


def run_requests(db: str, n: int) -> None:
    """The measured part: create the app and answer n signed webhooks through its WSGI callable."""
    from webhook import enroll_patients, service_env, signed_requests

    from bot.app import create_app

    url, cleanup = fresh_database(db)
    os.environ.update(service_env(url))
    phones = enroll_patients(url, 8)
    app = create_app()
    for body, signature in signed_requests(phones, n):
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/twilio/sms", "SCRIPT_NAME": "", "QUERY_STRING": "",
                   "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
                   "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
                   "HTTP_X_TWILIO_SIGNATURE": signature, "HTTP_HOST": "127.0.0.1:8000",
                   "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
                   "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
                   "wsgi.version": (1, 0)}
        response = app(environ, lambda *_: None)
        b"".join(response)
        response.close()
    app.extensions["runtime"].dispose()
    cleanup()


def instructions(db: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={tmp}/cg",
                              sys.executable, __file__, "--db", db, "--requests", str(n)],
                             cwd=ROOT, capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT / "bench")})
    return int(re.search(r"I\s+refs:\s+([\d,]+)", out.stderr).group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--requests", type=int, help=argparse.SUPPRESS)   # set when run under valgrind
    args = parser.parse_args()
    if args.requests is not None:
        run_requests(args.db, args.requests)
        return
    few, many = instructions(args.db, 100), instructions(args.db, 1100)
    print(f"{(many - few) / 1000 / 1e6:.2f} M instructions per webhook request (db={args.db}; the app in "
          f"process, without gunicorn, the client or the database server)")


if __name__ == "__main__":
    main()
