"""Waking the clock for a new reply (PostgreSQL): the web stores, the clock acts.

Acting on a reply (triage, the answer's outbox row, its send) costs several times the webhook's own
work. Done in the web workers, it shared their CPU with the webhooks and pushed the webhook's p99 at
100 replies/s from 17 ms to about 200 ms (docs/performance.md). So on PostgreSQL the webhook commits
the reply with a `NOTIFY` in the same transaction, and a listener thread in every clock process
(`postop clock`, `postop run`) wakes at once and processes it: a red flag is still answered and paged
within moments. Several clocks may wake for one reply; the claim in bot.inbound_store lets one act.

A web process only notifies when a listener is alive: each listener beats a heartbeat row
(`listen:<process>`) every HEARTBEAT_SECONDS. With none fresher than HEARTBEAT_STALE_SECONDS (the clock
is down, or this is SQLite, where `postop run` is one process anyway) the web process acts on the
reply itself, as before, so a red flag is never left waiting for a clock that is not there; its pass
also takes any reply a dying clock was notified of and never processed.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import timedelta

import psycopg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.inbound import process_pending
from bot.models import Heartbeat
from bot.outbox import liveness
from bot.runtime import Runtime
from bot.timeutil import utcnow

log = logging.getLogger(__name__)
CHANNEL = "postop_inbound"
PREFIX = "listen:"
# One processing thread per clock (the listener's own): on two cores four side by side cleared a
# burst more slowly (27 against 42 replies/s: the work is mostly CPU in the ORM and the driver), and
# a sender's replies go in order anyway (bot.inbound_store.claim_next). More clocks, more processors.
NICE = 10
RECHECK_SECONDS = 2.0  # how long a web process trusts what it last read of the listeners' heartbeats
WAIT_SECONDS = 1.0  # the longest the listener waits before looking at shutdown and its heartbeat


def listening(rt: Runtime, session: Session) -> bool:
    """Is a clock listening for new replies? Read at most every RECHECK_SECONDS per process."""
    if rt.engine.dialect.name != "postgresql":
        return False
    checked = rt._extra.get("listening")
    if checked is not None and rt.clock() - checked[0] < RECHECK_SECONDS:
        return checked[1]
    fresh = utcnow() - timedelta(seconds=rt.settings.heartbeat_stale_seconds)
    alive = session.scalar(select(Heartbeat.name).where(Heartbeat.name.startswith(PREFIX), Heartbeat.at > fresh)
                           .limit(1)) is not None
    rt._extra["listening"] = (rt.clock(), alive)
    return alive


def announce(rt: Runtime, session: Session) -> bool:
    """In the transaction that stores a reply: wake the listening clocks when it commits. False when
    none listens: the caller then acts on the reply itself (`rt.kick_inbound`)."""
    if not listening(rt, session):
        return False
    session.execute(select(func.pg_notify(CHANNEL, "")))
    return True


def _yield_to_the_web() -> None:
    """The listener's thread (it does the processing) runs at a lower CPU priority than the web
    workers (Linux: per thread): when a burst saturates the machine, replies are still stored and
    answered to Twilio at once (a webhook Twilio gives up on is retried, then lost), and processed as
    the CPU allows."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
    except (AttributeError, OSError):  # not Linux, or not allowed: the default priority
        pass


class Listener:
    """`LISTEN` on a connection of its own; each notification (and the start, for anything stored
    before) runs one processing pass, then `after` (the dispatch loop's kick, so the answers and
    pages go out from its urgent pool). Reconnects after a database error."""

    def __init__(self, rt: Runtime, after: Callable[[], None] = lambda: None):
        self.rt, self.after = rt, after
        self.passes = 0  # processing passes done (tests wait on it)
        self.passed = threading.Condition()

    def run(self) -> None:
        _yield_to_the_web()
        stop = self.rt.stopping
        while not stop.is_set():
            try:
                self._listen()
            except Exception:  # a database restart: the beat goes stale, the web acts meanwhile
                log.exception("inbound listener: connection lost; reconnecting")
                stop.wait(WAIT_SECONDS)
        try:
            with self.rt.session() as session:
                liveness.forget(session, prefix=PREFIX)
        except Exception:
            log.exception("inbound listener: could not remove its heartbeat row")

    def _listen(self) -> None:
        rt, stop = self.rt, self.rt.stopping
        url = rt.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self._beat()  # listening before the first beat: no notification is sent into the void
            last_beat, woken = rt.clock(), True  # one pass at the start: what was stored before
            while not stop.is_set():
                if woken:
                    self._pass()
                if rt.clock() - last_beat >= rt.settings.heartbeat_seconds:
                    self._beat()
                    last_beat = rt.clock()
                woken = any(True for _ in conn.notifies(timeout=WAIT_SECONDS, stop_after=1))

    def _beat(self) -> None:
        with self.rt.session() as session:
            liveness.beat(session, utcnow(), prefix=PREFIX)

    def _pass(self) -> None:
        try:
            if process_pending(self.rt):
                self.after()
        except Exception:  # the clock's sweep retries; never lose the listener to one bad pass
            log.exception("inbound listener: processing pass failed")
        with self.passed:
            self.passes += 1
            self.passed.notify_all()


def start(rt: Runtime, after: Callable[[], None]) -> threading.Thread | None:
    """The listener in a daemon thread of the clock process (PostgreSQL only)."""
    if rt.engine.dialect.name != "postgresql":
        return None
    listener = Listener(rt, after)
    thread = threading.Thread(target=listener.run, name="inbound-listener", daemon=True)
    thread.start()
    return thread
