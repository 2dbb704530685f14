"""The tables the migrations build are exactly those the models describe (bot/models/), so
`alembic revision --autogenerate` starts from nothing to do."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot import db
from bot.models import Base


def test_migrations_build_exactly_the_tables_the_models_describe(database_url):
    engine = db.make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()
