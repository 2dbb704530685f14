"""What every entry point (web, clock, CLI) shares: settings, database, content and transport. Built
by bot/boot.py and passed to whatever needs it; nothing here knows the work the service does."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import db
from bot.pathway_model import Library
from bot.settings import Settings

if TYPE_CHECKING:  # the annotation only: importing the runtime loads no twilio
    from bot.transport import Transport


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    library: Library
    transport: Transport
    # The work kick_urgent and kick_inbound start (sending pages and safety texts; acting on stored
    # replies), given by bot/boot.py: this module sits below the code that calls them.
    urgent_work: Callable[[Runtime], object]
    inbound_work: Callable[[Runtime], object]
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
        queued = self._extra.get(func)
        if queued is not None and not queued.running() and not queued.done():
            return  # a pass that has not started yet will find this work too (the caller committed it)
        self._extra[func] = executor.submit(func, self)

    def kick_urgent(self) -> None:
        """Send pages and safety texts now rather than at the next clock tick, in a background
        thread so the caller returns at once. Tests replace it with a direct call."""
        self._background(self.urgent_work)

    def kick_inbound(self) -> None:
        """Act on newly stored replies now (then send what they call for); the clock sweeps up
        anything a crash leaves behind. Tests replace it with a direct call."""
        self._background(self.inbound_work)

    def session(self):
        return db.session_scope(self.sessions)

    def dispose(self) -> None:
        """When done with this runtime (tests, benches): close every pooled connection and stop its
        background loops (the heartbeat), which would otherwise reconnect."""
        self.stopping.set()
        self.engine.dispose()

    @property
    def sender(self) -> str:
        return self.transport.sender

    def public_url(self, path: str) -> str | None:
        base = self.settings.public_url
        return f"{base}{path}" if base else None
