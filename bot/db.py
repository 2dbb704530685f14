"""Engine and sessions for SQLite (one machine) and PostgreSQL (several processes)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import cast

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, event
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Executable

ROOT = Path(__file__).resolve().parent.parent


def normalise_url(url: str) -> str:
    # psycopg 3 is the driver we pin; plain postgresql:// would ask SQLAlchemy for psycopg2.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    """The engine for a database URL. Statement parameters are patient data: `hide_parameters`
    keeps them out of every error message and log line."""
    url = normalise_url(url)
    options: dict = {"hide_parameters": True}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets the web process read while the clock writes; busy_timeout waits out short locks.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    # No pre-ping: it costs a round trip on every checkout (every webhook). A connection lost to a
    # database restart fails one request (a 5xx Twilio retries) and the whole pool is replaced.
    return create_engine(url, pool_size=10, max_overflow=20, **options)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]):
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "head")


def rowcount(session: Session, statement: Executable) -> int:
    """How many rows an UPDATE or DELETE matched. Session.execute is typed as returning a plain
    Result; for these statements it is a CursorResult, which carries the count."""
    return cast(CursorResult, session.execute(statement)).rowcount


def bulk_insert(session: Session, model, rows: list[dict]) -> None:
    """A Core executemany on the table itself, skipping the ORM's per-row bookkeeping (bulk imports
    plan tens of thousands of rows)."""
    if rows:
        session.connection().execute(model.__table__.insert(), rows)
