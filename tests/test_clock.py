"""`postop tick` runs every job once; `postop clock` keeps time and exits cleanly on SIGTERM."""
import os
import signal
import subprocess
import sys
import time
from datetime import datetime

import time_machine
from click.testing import CliRunner

from bot import db
from bot.cli import main
from bot.clock import JOB_DEFAULTS, configure
from bot.models import Heartbeat
from tests.conftest import FIXTURE_CONTENT
from tests.helpers import enroll


def test_tick_command_runs_every_job_and_sends_what_is_due(config, rt, fake_twilio):
    enroll(rt, datetime(2026, 11, 21, 12, 0))
    env = {k: str(v) for k, v in config.items() if k != "TESTING"}
    with time_machine.travel(datetime(2026, 11, 21, 23, 0), tick=False):  # 18:00 in New York
        result = CliRunner().invoke(main, ["tick"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "heartbeat" in result.output and "planner" in result.output and "dispatch" in result.output
    assert [m.body.split(",")[0] for m in fake_twilio.messages] == ["Ana"]
    with rt.session() as s:
        assert s.get(Heartbeat, "clock").at == datetime(2026, 11, 21, 23, 0)


def test_scheduler_is_configured_not_to_drop_late_jobs(rt):
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = configure(BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone="UTC"), rt)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) >= {"heartbeat", "planner", "inbound", "escalation_watchdog"}
    # Dispatch is a loop of its own (bot.dispatch_loop), never an interval job that skips fires.
    assert "dispatch" not in jobs
    assert JOB_DEFAULTS["misfire_grace_time"] >= 60 and JOB_DEFAULTS["coalesce"] is True


def test_clock_process_beats_and_exits_cleanly_on_sigterm(tmp_path):
    url = f"sqlite:///{tmp_path}/clock.db"
    engine = db.make_engine(url)
    db.upgrade(engine)
    env = {**os.environ, "DATABASE_URL": url, "CONTENT_DIR": str(FIXTURE_CONTENT), "TWILIO_ACCOUNT_SID": "",
           "TWILIO_AUTH_TOKEN": ""}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "clock"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        with engine.connect() as conn:
            while time.monotonic() < deadline:
                names = {r.name for r in conn.execute(Heartbeat.__table__.select())}
                # The jobs' beat, and the process's own (its claims' liveness).
                if "clock" in names and any(n.startswith("proc:") for n in names):
                    break
                proc.poll()
                assert proc.returncode is None, proc.stdout.read()
                time.sleep(0.1)  # waiting on a real child process, not on test time
            else:
                raise AssertionError("the clock never beat")
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "clock stopped" in output
    with engine.connect() as conn:  # a clean exit leaves no heartbeat to wait out
        assert not [r for r in conn.execute(Heartbeat.__table__.select()) if r.name.startswith("proc:")]
