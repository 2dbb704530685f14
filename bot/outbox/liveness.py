"""Which processes are alive: one heartbeat row per process that claims texts.

A claim's lease (`SENDING_LEASE_SECONDS`, minutes) covers a process that is alive but stuck; a
process that died (kill -9, a lost machine) is noticed much sooner through its heartbeat: every
claiming process writes `heartbeats.proc:<process id>` every `HEARTBEAT_SECONDS` from a thread of
its own, and the claim itself writes it too, so no claim exists without a heartbeat row. Rows
claimed by a process whose beat is older than `HEARTBEAT_STALE_SECONDS` (or whose row is gone: it
exited) are recovered by any live process (`dead_claims`, then `lifecycle.release`), never by their own.

Beats are stamped with the writer's clock and read with the reader's: machines must keep their
clocks in sync (NTP keeps them within milliseconds; the staleness limit is seconds).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.models import Heartbeat, Outbox
from bot.outbox.states import Status
from bot.timeutil import utcnow

log = logging.getLogger(__name__)
PREFIX = "proc:"
_HOST = socket.gethostname()[:30]
_me: tuple[int, str] | None = None
_beater: tuple[int, threading.Thread] | None = None
_lock = threading.Lock()


def process_id() -> str:
    """host:pid:random, fresh in every process (also after a fork, and when a pid is reused)."""
    global _me
    pid = os.getpid()
    if _me is None or _me[0] != pid:
        _me = (pid, f"{_HOST}:{pid}:{uuid.uuid4().hex[:8]}")
    return _me[1]


def owner_process(owner: str | None) -> str | None:
    """The process part of a claim's owner (`<process id>/<pass>`); None for owners that name no
    process (older claims, tests): those are recovered by their lease alone."""
    if not owner or "/" not in owner:
        return None
    return owner.rsplit("/", 1)[0]


_UPSERTS: dict[str, Callable[..., postgresql.Insert | sqlite.Insert]] = {"postgresql": postgresql.insert,
                                                                      "sqlite": sqlite.insert}


def beat(session: Session, now: datetime, process: str | None = None, prefix: str = PREFIX) -> None:
    """Say that `process` (this one by default) is alive at `now`. Not committed here. One upsert:
    several dispatch threads of one process may write the first beat at the same moment, and an
    update-then-insert lets two of them insert (a unique-key error). `prefix` names what is alive
    (a claiming process; bot.inbound_wakeup's listener)."""
    name = prefix + (process or process_id())
    insert = _UPSERTS[session.get_bind().dialect.name]
    session.execute(insert(Heartbeat).values(name=name, at=now)
                    .on_conflict_do_update(index_elements=["name"], set_={"at": now}))


def forget(session: Session, process: str | None = None, prefix: str = PREFIX) -> None:
    """A clean exit: nothing of ours is left to recover once our claims are released."""
    session.execute(delete(Heartbeat).where(Heartbeat.name == prefix + (process or process_id())))


def dead(session: Session, processes: set[str], now: datetime, stale_seconds: float) -> set[str]:
    """Those of `processes` (never this one) whose beat is older than `stale_seconds`, or gone."""
    others = processes - {process_id()}
    if not others:
        return set()
    beats = dict(session.execute(select(Heartbeat.name, Heartbeat.at)
                                 .where(Heartbeat.name.in_([PREFIX + p for p in others]))).all())
    return {p for p in others
            if (at := beats.get(PREFIX + p)) is None or (now - at).total_seconds() > stale_seconds}


def start_beating(rt) -> threading.Thread | None:
    """Beat from a daemon thread of this process, once per process (a forked child starts its own).
    Not under tests: they beat by hand with a controlled clock."""
    global _beater
    if rt.settings.testing:
        return None
    with _lock:
        pid = os.getpid()
        if _beater is not None and _beater[0] == pid and _beater[1].is_alive():
            return _beater[1]
        thread = threading.Thread(target=_beat_forever, args=(rt,), name="heartbeat", daemon=True)
        thread.start()
        _beater = (pid, thread)
        return thread


def _beat_forever(rt) -> None:
    every = rt.settings.heartbeat_seconds
    stop = rt.stopping
    while not stop.is_set():
        try:
            with rt.session() as session:
                beat(session, utcnow())
        except Exception:  # a database blip: the next beat retries well within the staleness limit
            log.exception("heartbeat failed")
        stop.wait(every)


@dataclass(frozen=True)
class DeadClaim:
    row_id: int
    owner: str
    urgent: bool
    attempted: bool  # a request to Twilio may have left: in doubt
    to: str
    body: str | None
    since: datetime | None


def dead_claims(session: Session, now: datetime, stale_seconds: float) -> list[DeadClaim]:
    """Rows held by processes whose heartbeat is stale or gone (never this process's own). The
    `sending` rows are few (what is being sent right now) and read through their partial index;
    only their owners are read until one of them turns out to be dead."""
    owners = session.scalars(select(Outbox.claimed_by).where(Outbox.status == Status.SENDING).distinct()).all()
    processes = {p for owner in owners if (p := owner_process(owner))}
    gone = dead(session, processes, now, stale_seconds)
    dead_owners = [owner for owner in owners if owner_process(owner) in gone]
    if not dead_owners:
        return []
    rows = session.execute(select(Outbox.id, Outbox.claimed_by, Outbox.urgent, Outbox.first_attempt_at,
                                  Outbox.to_phone, Outbox.body)
                           .where(Outbox.status == Status.SENDING, Outbox.claimed_by.in_(dead_owners))).all()
    return [DeadClaim(r.id, r.claimed_by, r.urgent, r.first_attempt_at is not None, r.to_phone, r.body,
                      r.first_attempt_at) for r in rows]
