"""`postop run`, the one-machine deployment: a production WSGI server (waitress) with the clock in the
same process, a clean exit on SIGTERM, and no start at all with a configuration that would send
broken texts."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from tests.conftest import FIXTURE_CONTENT

TWILIO = {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t" * 32,
          "TWILIO_FROM_NUMBER": "+12025550100", "SECRET_KEY": "s" * 40, "CLINIC_NAME": "Riverside Spine Center"}


def _env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "CLINIC_"))}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp_path}/run.db", "CONTENT_DIR": str(FIXTURE_CONTENT),
            "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", "CLINIC_PHONE": "", **extra}


def test_run_with_twilio_and_no_clinic_phone_exits_naming_the_setting(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bot", "run", "--port", "0"], env=_env(tmp_path, **TWILIO),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "CLINIC_PHONE: required when texts are sent through Twilio" in done.stderr
    assert "Serving" not in done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_serves_with_waitress_and_the_clock_and_stops_cleanly_on_sigterm(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--port", str(port)], env=_env(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    server, status = response.headers.get("Server"), response.status
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "postop run never answered"
                time.sleep(0.2)  # waiting on a real child process, not on test time
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert status == 200 and server == "postop"  # waitress's ident, not Werkzeug's
    assert proc.returncode == 0, output
    assert "development server" not in output.lower() and "Werkzeug" not in output
    assert "with waitress" in output and "postop run: stopped" in output
    assert "CLINIC_PHONE is not set: the simulator uses an invented '+12025550199'" in output
