"""What every entry point (web, clock, CLI) shares: settings, database, content and transport."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import config as settings
from bot import db, pathways
from bot.transport import make_transport


@dataclass
class Runtime:
    config: dict
    engine: Engine
    sessions: sessionmaker[Session]
    library: pathways.Library
    transport: object
    # Injected so tests can pace without sleeping.
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    # Set when the process is shutting down: background loops (dispatch, heartbeat) finish.
    stopping: threading.Event = field(default_factory=threading.Event)
    _extra: dict = field(default_factory=dict)

    def _background(self, func) -> None:
        executor = self._extra.get("executor")
        if executor is None:
            # One worker: messages are processed in arrival order within a process.
            executor = self._extra["executor"] = ThreadPoolExecutor(1, thread_name_prefix="background")
        executor.submit(func, self)

    def kick_urgent(self) -> None:
        """Send pages and safety texts now rather than at the next clock tick, in a background
        thread so the caller returns at once. Tests replace it with a direct call."""
        from bot.dispatch import dispatch_urgent

        self._background(dispatch_urgent)

    def kick_inbound(self) -> None:
        """Act on newly stored replies now (then send what they call for); the clock sweeps up
        anything a crash leaves behind. Tests replace it with a direct call."""
        from bot.inbound import process_and_send

        self._background(process_and_send)

    def session(self):
        return db.session_scope(self.sessions)

    @property
    def autocommit_engine(self) -> Engine:
        """A second, small pool whose connections stay in autocommit: the webhook's single INSERT."""
        engine = self._extra.get("autocommit_engine")
        if engine is None:
            engine = self._extra["autocommit_engine"] = db.make_engine(self.config["DATABASE_URL"], autocommit=True)
        return engine

    def dispose(self) -> None:
        """When done with this runtime (tests, benches): close every pooled connection and stop its
        background loops (the heartbeat), which would otherwise reconnect."""
        self.stopping.set()
        self.engine.dispose()
        if "autocommit_engine" in self._extra:
            self._extra["autocommit_engine"].dispose()

    @property
    def sender(self) -> str:
        return self.transport.sender

    def public_url(self, path: str) -> str | None:
        base = self.config.get("PUBLIC_URL")
        return f"{base}{path}" if base else None


def build(overrides: dict | None = None, instance_path: str | None = None) -> Runtime:
    config = settings.load(overrides=overrides, instance_path=instance_path or str(db.ROOT / "instance"))
    engine = db.make_engine(config["DATABASE_URL"])
    return Runtime(config=config, engine=engine, sessions=db.make_sessionmaker(engine),
                   library=pathways.library(config["CONTENT_DIR"]), transport=make_transport(config))
