"""Shared set-up for the benchmark scripts: a migrated database and a runtime on it."""
from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import boot, db  # noqa: E402

SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"
# Required with Twilio: patients are told to call the clinic by name and number.
CLINIC = {"CLINIC_NAME": "Riverside Spine Center", "CLINIC_PHONE": "+12025550111"}
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def fresh_database(kind: str) -> tuple[str, callable]:
    """A new empty migrated database; returns (url, cleanup)."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="postop-bench-")
        url = f"sqlite:///{folder}/bench.db"
        db.upgrade(db.make_engine(url))
        return url, lambda: None
    name = f"postop_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(db.normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return url, drop


def build_runtime(url: str, **overrides):
    config = {"DATABASE_URL": url, "SECRET_KEY": SECRET, **CLINIC, **overrides}
    return boot.build(overrides=config)
