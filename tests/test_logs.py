"""No phone number in any log line, in any encoding, whichever process or library writes it."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from bot.logs import mask_text
from tests.conftest import ENROLLED_NUMBER, FIXTURE_CONTENT
from tests.helpers import add_coordinator

NUMBER = "+12025550143"
ENCODINGS = [NUMBER, "12025550143", "2025550143", "%2B12025550143", "%2b12025550143", "\\u002b12025550143",
             "(202) 555-0143", "202.555.0143", "+1 202 555 0143", "%2B1%20202%20555%200143", "+1+202+555+0143"]


@pytest.mark.parametrize("encoded", ENCODINGS)
def test_each_encoding_is_caught_by_the_scan_and_masked_in_the_log(encoded, app, _no_enrolled_number_in_any_log_line):
    capture = _no_enrolled_number_in_any_log_line
    assert ENROLLED_NUMBER.search(encoded), "the scan itself must see this encoding"
    logging.getLogger("some.library").warning("request to %s failed", f"https://x.example/?To={encoded}")
    try:
        raise ValueError(f"bad value {encoded!r}")
    except ValueError:
        logging.getLogger("bot.any").exception("while handling")
    assert capture.lines and "0143" in capture.lines[-2] and "0143" in capture.lines[-1]


def test_dates_times_and_sids_are_left_alone():
    text = "retry 2 at 2026-11-21 14:01:00.011047 for SM4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f (outbox 12345)"
    assert mask_text(text) == text


def test_the_clocks_message_log_lookup_is_logged_without_the_number(rt, _no_enrolled_number_in_any_log_line):
    rt.transport.find_sent(NUMBER, "Hello", datetime(2026, 11, 21))
    lookups = [line for line in _no_enrolled_number_in_any_log_line.lines if "Messages.json" in line]
    assert lookups and all("To=%2B1" not in line for line in lookups)


def test_a_database_error_with_the_number_in_its_detail_is_masked(rt, _no_enrolled_number_in_any_log_line):
    add_coordinator(rt, "Dana Whitfield", NUMBER, 1)
    with pytest.raises(IntegrityError):  # PostgreSQL's DETAIL names the duplicate key's value
        with rt.session() as s:
            try:
                add_coordinator(rt, "Dana Twin", NUMBER, 2)
            except IntegrityError as e:
                logging.getLogger("bot.web").exception("database error: %s", e.orig)
                raise
    assert any("database error" in line for line in _no_enrolled_number_in_any_log_line.lines)
    del s


LOG_A_NUMBER = """
import logging, sys
logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(name)s %(message)s")  # no mask of ours
{start}
logging.getLogger("gunicorn.error").error("GET /2010-04-01/Messages.json?To=%s", "%2B12025550143")
logging.getLogger("urllib3").error("database error: DETAIL: Key (phone)=(+12025550143) already exists")
print("done")
"""


@pytest.mark.parametrize("start", [
    # A web worker: gunicorn's handlers are set before the app is built, with no filter of ours.
    'from bot.app import create_app\ncreate_app({"DATABASE_URL": "sqlite:///%s/web.db"})',
    # The clock and every other command: the CLI's entry point.
    'from bot.cli import main\nmain(["db", "upgrade"], standalone_mode=False)',
])
def test_every_process_masks_from_its_entry_point(start, tmp_path):
    """In a fresh interpreter (the test fixture installs the masking in this one): the web app's
    factory and the CLI each mask every record, whoever's handler writes it."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "CONTENT_DIR": str(FIXTURE_CONTENT)}
    code = LOG_A_NUMBER.format(start=start.replace("%s", str(tmp_path)))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0 and "done" in done.stdout, done.stderr[-2000:]
    output = done.stdout + done.stderr
    assert "Messages.json" in output and "already exists" in output
    assert not ENROLLED_NUMBER.search(output), output[-2000:]
