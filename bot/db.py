"""Engine and sessions for SQLite (one machine) and PostgreSQL (several processes)."""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parent.parent


def normalise_url(url: str) -> str:
    # psycopg 3 is the driver we pin; plain postgresql:// would ask SQLAlchemy for psycopg2.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, autocommit: bool = False) -> Engine:
    """The engine for a database URL. `autocommit=True` gives a second, small engine whose
    connections stay in autocommit for good (see `execute_autocommit`). Statement parameters are
    patient data: `hide_parameters` keeps them out of every error message and log line."""
    url = normalise_url(url)
    options: dict = {"hide_parameters": True}
    if autocommit:
        # Nothing to roll back on return: each statement committed itself.
        options |= {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None}
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
    # database restart fails one request (a 5xx Twilio retries) and is replaced: through SQLAlchemy the
    # whole pool, through execute_autocommit (the webhook's insert) that connection.
    return create_engine(url, **({"pool_size": 5, "max_overflow": 10} if autocommit else
                                 {"pool_size": 10, "max_overflow": 20}), **options)


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


def execute_autocommit(engine: Engine, sql: str, params: Sequence) -> list[tuple]:
    """Run one statement, written in the driver's own SQL and placeholder style, on a pooled DBAPI
    connection of an autocommit engine (`make_engine(url, autocommit=True)`); return all its rows.

    For a hot path with a single fixed statement (the webhook's INSERT): SQLAlchemy's statement
    layer, and switching a pooled connection into autocommit and back, cost more CPU than the
    round trip itself there. The rows are fetched to the end because SQLite commits an
    autocommitted statement only when it finishes (a RETURNING row comes first). A driver error
    comes out as SQLAlchemy's DBAPIError, like from any other query (parameters left out of its
    message: they are patient data), and after any error the connection is discarded rather than
    handed back to the pool in an unknown state."""
    dialect = engine.dialect
    try:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(sql, params)
            rows = cursor.fetchall() if cursor.description else []
            cursor.close()
        except BaseException:
            raw.invalidate()
            raise
        finally:
            raw.close()
    except dialect.loaded_dbapi.Error as e:
        raise DBAPIError.instance(sql, None, e, dialect.loaded_dbapi.Error, dialect=dialect) from e
    return rows


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "head")


def bulk_insert(session: Session, model, rows: list[dict]) -> None:
    """A Core executemany on the table itself, skipping the ORM's per-row bookkeeping (bulk imports
    plan tens of thousands of rows)."""
    if rows:
        session.connection().execute(model.__table__.insert(), rows)
