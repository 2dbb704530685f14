"""Building the runtime an entry point (web app, clock, CLI, tests, benches) passes to everything it runs."""
from __future__ import annotations

from bot import config, db, pathways
from bot.dispatch import dispatch_urgent
from bot.inbound import process_and_send
from bot.runtime import Runtime
from bot.transport import make_transport


def build(overrides: dict | None = None, instance_path: str | None = None) -> Runtime:
    settings = config.load(overrides=overrides, instance_path=instance_path or str(db.ROOT / "instance"))
    engine = db.make_engine(settings.database_url)
    return Runtime(settings=settings, engine=engine, sessions=db.make_sessionmaker(engine),
                   library=pathways.library(settings.content_dir), transport=make_transport(settings),
                   urgent_work=dispatch_urgent, inbound_work=process_and_send)
