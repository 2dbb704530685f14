"""Fixtures: every database test runs on SQLite and on PostgreSQL, with the real `twilio` client
talking HTTP to a local fake Twilio server."""
from __future__ import annotations

import logging
import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, text

from bot import db
from bot.app import create_app
from bot.dispatch import dispatch_urgent
from bot.inbound import process_and_send
from tests.support.fake_twilio import FakeTwilio

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
API_TOKEN = "test-api-token-abcdefghijklmnop"
PUBLIC_URL = "https://postop.example.org"
FROM_NUMBER = "+12025550100"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()  # the last close checkpoints the WAL into the file we copy
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """A database of our own for this run, migrated once; each test empties it (postgres_reset)."""
    name = f"postop_test_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(db.normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            # A test database need not survive a crash of the server: commits do not wait for the
            # WAL to reach the disk (PostgreSQL keeps it consistent, only the last commits could be lost).
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    except Exception as e:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required (REQUIRE_POSTGRES) but unreachable at {PG_URL}: {e}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}")
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_reset(postgres_url):
    """Empties every table and restarts every id, as `TRUNCATE ... RESTART IDENTITY` would, in a few
    milliseconds instead of half a second: DELETE children first, then setval. (A transaction rolled
    back per test would not do: the code under test commits through engines of its own, the webhook
    through a raw autocommit connection, and some tests use threads or other processes.)"""
    # pre-ping: a test may terminate every other connection to the database
    engine = create_engine(db.normalise_url(postgres_url), pool_pre_ping=True)
    schema = MetaData()
    schema.reflect(engine)
    with engine.connect() as conn:
        sequences = conn.execute(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")).scalars()
        restarts = [f"SELECT setval('{name}', 1, false)" for name in sequences]
    deletes = [f"DELETE FROM {t.name}" for t in reversed(schema.sorted_tables) if t.name != "alembic_version"]
    sql = "; ".join(deletes + restarts)

    def reset() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql(sql)

    yield reset
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "postop.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    request.getfixturevalue("postgres_reset")()
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def fake_twilio():
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def config(database_url, fake_twilio) -> dict:
    return {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-0123456789abcdefghijklmnop",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER, "TWILIO_API_BASE_URL": fake_twilio.url,
            "PUBLIC_URL": PUBLIC_URL, "API_TOKEN": API_TOKEN, "SEND_RATE": "1000",
            "CLINIC_NAME": "Riverside Spine Center", "CLINIC_PHONE": "+12025550111",
            "CONTENT_DIR": str(FIXTURE_CONTENT)}


@pytest.fixture
def app(config):
    app = create_app(config)
    rt = app.extensions["runtime"]
    rt.waits = []
    rt.sleep = rt.waits.append  # pacing is asserted on, never slept
    rt.kick_urgent = lambda: dispatch_urgent(rt)  # pages go out before the test looks
    rt.kick_inbound = lambda: process_and_send(rt)  # replies are acted on before the webhook returns
    yield app
    rt.dispose()


@pytest.fixture
def rt(app):
    return app.extensions["runtime"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}


# Every log line written during these modules' tests (webhooks, dispatch, errors) is scanned for
# the invented numbers the suite enrolls (+1 202 555 01xx), in any encoding: E.164, bare digits,
# URL-encoded, JSON-escaped, grouped. The records are masked where they are created (bot.logs).
LOG_SCANNED = {"test_inbound_webhook", "test_webhook_authenticity", "test_status_callbacks", "test_dispatch",
               "test_dispatch_faults", "test_dispatch_race", "test_escalation", "test_clinic_ladder",
               "test_keywords", "test_bad_input", "test_bad_input_forms", "test_logs", "test_page_calls",
               "test_oncall_schedule", "test_dispatch_loop", "test_dead_clock_recovery",
               "test_nothing_goes_unread", "test_silence"}
ENROLLED_NUMBER = re.compile(r"202(?:\D|%2[0-9a-fA-F]){0,3}555(?:\D|%2[0-9a-fA-F]){0,3}01\d\d")


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(autouse=True)
def _no_enrolled_number_in_any_log_line(request):
    if request.module.__name__.rsplit(".", 1)[-1] not in LOG_SCANNED:
        yield None
        return
    from bot import logs

    logs.install()
    capture, root = _Lines(), logging.getLogger()
    level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)  # urllib3's request lines (Twilio lookups by number) are DEBUG
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(level)
    leaks = [line for line in capture.lines if ENROLLED_NUMBER.search(line)]
    assert not leaks, f"{len(leaks)} log line(s) with a phone number, e.g. {leaks[0][:300]!r}"


# Neither database nor browser, but seconds each: the whole content checker (on a copy of the content,
# or the shipped one), another Python process. Marked `slow`, by fixture or by name, and left out of
# `make test-fast`.
SLOW_FIXTURES = {"project", "checked"}
SLOW_TESTS = {"test_run_with_twilio_and_no_clinic_phone_exits_naming_the_setting",
              "test_run_serves_with_waitress_and_the_clock_and_stops_cleanly_on_sigterm",
              "test_clock_process_beats_and_exits_cleanly_on_sigterm",
              "test_importing_triage_loads_no_web_framework_database_or_twilio",
              "test_the_app_factory_is_importable_from_the_package_and_loads_flask_only_then",
              "test_check_passes_on_shipped_content", "test_check_report_lists_every_message_with_segments",
              "test_every_process_masks_from_its_entry_point"}


def pytest_collection_modifyitems(items) -> None:
    """Marks each test by what it needs, from its fixtures, so that new tests fall in the right set:
    `db` (runs on SQLite and PostgreSQL), `browser` (headless Chromium), `slow` (above).
    `make test-fast` runs the rest."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "database_url" in names:
            item.add_marker(pytest.mark.db)
        if "browser" in names:
            item.add_marker(pytest.mark.browser)
        if names & SLOW_FIXTURES or getattr(item, "originalname", item.name) in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
