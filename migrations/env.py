"""Alembic runs against the engine the service built (config attribute), or DATABASE_URL."""
from alembic import context

from bot.models import Base

target_metadata = Base.metadata


def run() -> None:
    engine = context.config.attributes.get("engine")
    if engine is None:
        from bot import config as settings
        from bot.db import make_engine

        engine = make_engine(settings.load()["DATABASE_URL"])
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
