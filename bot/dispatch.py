"""Sending due outbox rows: claim atomically, commit the claim, then call the transport.

The claim is committed before Twilio is called, so two dispatchers (threads, processes, machines)
can never send one row twice. A crash after the claim leaves the row in `sending`; `reconcile`
asks Twilio's message log whether it went out before anything is resent.
"""
from __future__ import annotations

import logging
import os
import random
import socket
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import pacing
from bot.messages import values_for
from bot.models import Enrollment, OptOut, Outbox, ReviewItem
from bot.planner import cancel_future
from bot.runtime import Runtime
from bot.sms import segments
from bot.timeutil import next_allowed, utc_to_local, utcnow
from bot.transport import BAD_NUMBER, OPTED_OUT, SendResult, TransportError

log = logging.getLogger(__name__)
WORKER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Stats:
    claimed: int = 0
    reconciled: int = 0
    # sent | retry | failed | held | cancelled | skipped -> how many
    outcomes: Counter = field(default_factory=Counter)


def claim(session: Session, now: datetime, limit: int, worker: str = WORKER, urgent_only: bool = False) -> list[int]:
    """Mark up to `limit` due rows as ours and commit. Safety texts come first.

    PostgreSQL: the inner SELECT takes row locks with SKIP LOCKED, so racing dispatchers each get
    different rows without waiting. SQLite: writers are serialised, and the outer `status='planned'`
    makes the UPDATE a compare-and-set.
    """
    due = (select(Outbox.id).where(Outbox.status == "planned", Outbox.due_at <= now)
           .order_by(Outbox.urgent.desc(), Outbox.due_at).limit(limit))
    if urgent_only:
        due = due.where(Outbox.urgent.is_(True))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # A materialised CTE runs the locking SELECT exactly once; `id IN (subquery)` may let
    # PostgreSQL re-run it per row and claim more than `limit`.
    due = due.cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    ids = session.scalars(
        update(Outbox).where(Outbox.id == due.c.id, Outbox.status == "planned")
        .values(status="sending", claimed_at=now, claimed_by=worker, attempts=Outbox.attempts + 1)
        .returning(Outbox.id)).all()
    session.commit()
    return sorted(ids)


def dispatch_urgent(rt: Runtime) -> Stats:
    """Pages and safety texts only, at once (called right after a red flag arrives)."""
    try:
        return dispatch_due(rt, utcnow(), urgent_only=True)
    except Exception:  # the clock's next pass sends them; never lose the webhook thread to this
        log.exception("urgent dispatch failed; the clock will retry")
        return Stats()


def dispatch_due(rt: Runtime, now: datetime | None = None, limit: int | None = None,
                 urgent_only: bool = False) -> Stats:
    """One dispatch pass: reconcile stale claims, claim what is due, send it (in parallel, paced)."""
    now = now or utcnow()
    stats = Stats()
    if limit is None:
        # Never claim more than pacing lets us send well within the lease, or reconciliation would
        # treat our own queued rows as abandoned.
        paced = rt.config["SEND_RATE"] * rt.config["SENDING_LEASE_SECONDS"] / 2
        limit = max(1, int(min(rt.config["DISPATCH_BATCH"], paced)))
    with rt.session() as session:
        # The common case, nothing stale, costs one indexed probe in the claim's own transaction.
        stale = session.scalar(select(Outbox.id).where(Outbox.status == "sending", Outbox.claimed_at < _lease(rt, now))
                               .limit(1))
        if stale is not None:
            session.rollback()
            stats.reconciled = reconcile(rt, now)
        ids = claim(session, now, limit, urgent_only=urgent_only)
    stats.claimed = len(ids)
    if not ids:
        return stats
    threads = min(rt.config["DISPATCH_THREADS"], len(ids))
    if threads == 1:
        outcomes = [send_claimed(rt, row_id, now) for row_id in ids]
    else:
        with ThreadPoolExecutor(threads, thread_name_prefix="dispatch") as pool:
            outcomes = list(pool.map(lambda row_id: send_claimed(rt, row_id, now), ids))
    stats.outcomes.update(outcomes)
    return stats


def send_claimed(rt: Runtime, row_id: int, now: datetime) -> str:
    """Send one row we claimed. Returns what happened: sent, retry, failed, held, cancelled, skipped."""
    with rt.session() as session:
        row = session.get(Outbox, row_id)
        enrollment = session.get(Enrollment, row.enrollment_id) if row.enrollment_id else None
        reason = _hold_reason(session, rt, row, enrollment, now)
        if reason:
            return reason
        if row.body is None:
            values = values_for(rt.library, enrollment, rt.config["CLINIC_NAME"], rt.config["CLINIC_PHONE"],
                                utc_to_local(now, enrollment.timezone).date())
            row.body = rt.library.render(enrollment.language, row.content_key, values)
        row.segments = segments(row.body)
        to, body, urgent, segs = row.to_phone, row.body, row.urgent, row.segments
        # The rendered body is committed before the call: reconciliation matches on it after a crash.
    if not urgent:
        pacing.wait_for_slot(rt, rt.sender, segs)
    try:
        result = rt.transport.send(to, body, rt.public_url(f"/twilio/status?outbox_id={row_id}"))
    except TransportError as error:
        return _failed(rt, row_id, error, now)
    _mark_sent(rt, row_id, result)
    return "sent"


def _hold_reason(session: Session, rt: Runtime, row: Outbox, enrollment: Enrollment | None,
                 now: datetime) -> str | None:
    """Last checks at the moment of sending; anything that changed since planning wins."""
    if session.get(OptOut, row.to_phone) is not None:
        row.status, row.error_message = "cancelled", "number opted out (STOP)"
        return "cancelled"
    if row.kind == "programme":
        if enrollment is None or enrollment.status != "active":
            row.status, row.error_message = "cancelled", f"enrollment {enrollment.status if enrollment else 'gone'}"
            return "cancelled"
        if enrollment.phone_problem:
            row.status, row.error_message = "skipped", f"phone problem: {enrollment.phone_problem}"
            return "skipped"
        if now - row.due_at > timedelta(hours=rt.config["ROUTINE_STALE_HOURS"]):
            # An outage must not end in a burst of yesterday's reminders.
            row.status, row.error_message = "skipped", "too late to be useful"
            return "skipped"
    if not row.urgent and enrollment is not None:
        allowed = next_allowed(now, enrollment.timezone, rt.config["QUIET_HOURS"])
        if allowed > now:  # retries and outages can push a routine text into the night
            row.status, row.due_at, row.attempts = "planned", allowed, row.attempts - 1
            return "held"
    return None


def _mark_sent(rt: Runtime, row_id: int, result: SendResult) -> None:
    with rt.session() as session:
        row = session.get(Outbox, row_id)
        row.twilio_sid = result.sid
        row.sent_at = utcnow()
        # A status callback may already have moved it on; only move forward.
        if row.status in ("sending", "planned"):
            row.status = "delivered" if result.status == "delivered" else "sent"
            row.twilio_status = result.status
            if row.status == "delivered":
                row.delivered_at = row.sent_at
    log.info("outbox %s sent through %s as %s", row_id, rt.sender, result.sid)


def _failed(rt: Runtime, row_id: int, error: TransportError, now: datetime) -> str:
    with rt.session() as session:
        row = session.get(Outbox, row_id)
        row.error_code, row.error_message = (str(error.code) if error.code else None), str(error)[:300]
        if error.ambiguous:
            found = _lookup(rt, row)
            if found:
                row.twilio_sid, row.twilio_status, row.status, row.sent_at = found.sid, found.status, "sent", now
                return "sent"
        if not error.permanent and row.attempts < rt.config["MAX_SEND_ATTEMPTS"]:
            row.status = "planned"
            row.due_at = now + _backoff(row.attempts)
            log.warning("outbox %s: transient error %s, retry %d at %s", row_id, error.code, row.attempts,
                        row.due_at)
            return "retry"
        row.status = "failed"
        log.error("outbox %s: gave up: %s", row_id, error)
        _flag_permanent(session, row, error)
        return "failed"


def _flag_permanent(session: Session, row: Outbox, error: TransportError) -> None:
    enrollment = session.get(Enrollment, row.enrollment_id) if row.enrollment_id else None
    if error.code == OPTED_OUT:
        # Twilio knows of a STOP we missed: honour it everywhere, as if the patient had texted us.
        if session.get(OptOut, row.to_phone) is None:
            session.add(OptOut(phone=row.to_phone, source="twilio-21610"))
        cancel_future(session, phone=row.to_phone)
        reason = "opted_out_at_twilio"
    elif error.code in BAD_NUMBER:
        if enrollment is not None:
            enrollment.phone_problem = f"Twilio {error.code}: number cannot receive texts"
        reason = "bad_number"
    else:
        reason = "send_failed"
    session.add(ReviewItem(enrollment_id=row.enrollment_id, reason=reason,
                           detail=f"outbox {row.id}: {row.error_code or ''} {row.error_message}"))


def _backoff(attempt: int) -> timedelta:
    base = min(30 * 2 ** max(attempt - 1, 0), 1800)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def _lookup(rt: Runtime, row: Outbox) -> SendResult | None:
    try:
        return rt.transport.find_sent(row.to_phone, row.body, row.claimed_at or utcnow())
    except Exception:  # the log itself unreachable: leave the decision to the next reconcile pass
        log.warning("outbox %s: Twilio message log unavailable", row.id)
        return None


def _lease(rt: Runtime, now: datetime) -> datetime:
    return now - timedelta(seconds=rt.config["SENDING_LEASE_SECONDS"])


def reconcile(rt: Runtime, now: datetime) -> int:
    """Rows stuck in `sending` past the lease: record them as sent if Twilio has them, else requeue."""
    lease = _lease(rt, now)
    fixed = 0
    with rt.session() as session:
        stale = session.scalars(select(Outbox).where(Outbox.status == "sending", Outbox.claimed_at < lease)
                                .limit(100).with_for_update(skip_locked=True)).all()
        for row in stale:
            if row.body is None:  # crashed before rendering: it certainly never left
                row.status = "planned"
                fixed += 1
                continue
            try:
                found = rt.transport.find_sent(row.to_phone, row.body, row.claimed_at)
            except Exception:
                log.warning("reconcile: Twilio message log unavailable; outbox %s stays sending", row.id)
                continue
            if found:
                row.status, row.twilio_sid, row.twilio_status = "sent", found.sid, found.status
                row.sent_at = row.sent_at or row.claimed_at
            else:
                row.status = "planned"
            fixed += 1
    return fixed
