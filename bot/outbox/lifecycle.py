"""Claims, sends, retries and in-doubt sends: every status change a dispatcher makes.

Ownership: `claim` stamps each row with the claiming pass's owner id and a lease. Every later
write of that pass (`hold`, `begin_attempt`, `mark_sent`, `retry`, `fail`) is a conditional
UPDATE on (status = sending, claimed_by = owner); when another process has taken the row over
(the lease ran out and `reconcile_expired` released it) the write changes nothing and the caller
stops, so a slow process can neither send the row again nor overwrite what the new owner did.

In doubt: Twilio has no idempotency key, and a timeout, a dropped connection or a 5xx may still
have created the message, seconds later. Such a row goes back to `planned` with `in_doubt` set and
a due time far enough out for a slow create to show; before *every* later attempt the dispatcher
searches Twilio's message log from before the first attempt (`lookup`) and adopts what it finds.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.models import Outbox
from bot.outbox import liveness
from bot.outbox.states import Status

log = logging.getLogger(__name__)
# Clock skew between us and Twilio, and the time a request spends before Twilio stamps it.
LOOKUP_MARGIN = timedelta(minutes=2)


def new_owner() -> str:
    """A fresh id per dispatch pass (two passes of one process are two owners too), prefixed with
    the process's id so that its heartbeat tells whether the claim's holder is still alive."""
    return f"{liveness.process_id()}/{uuid.uuid4().hex[:8]}"


def _mine(row_id: int, owner: str):
    # No ORM synchronisation of loaded objects: callers re-read what they need (`hold` refreshes),
    # and evaluating every UPDATE against the identity map cost a fifth of a send's CPU.
    return (update(Outbox).where(Outbox.id == row_id, Outbox.status == Status.SENDING, Outbox.claimed_by == owner)
            .execution_options(synchronize_session=False))


def claim(session: Session, now: datetime, limit: int, owner: str, lease: timedelta,
          urgent_only: bool = False, routine_only: bool = False) -> list[int]:
    """Mark up to `limit` due rows as ours and commit. Safety texts come first.

    PostgreSQL: the inner SELECT takes row locks with SKIP LOCKED, so racing dispatchers each get
    different rows without waiting. SQLite: writers are serialised, and the outer `status='planned'`
    makes the UPDATE a compare-and-set. The owner's process beats in the same transaction: a claim
    never exists without a heartbeat that says whether its holder is alive.
    """
    ids: list[int] = []
    for urgent in [True] if urgent_only else [False] if routine_only else [True, False]:  # safety texts first
        if len(ids) < limit:
            ids += _claim_due(session, now, limit - len(ids), owner, lease, urgent)
    if ids and (process := liveness.owner_process(owner)):
        liveness.beat(session, now, process)
    session.commit()
    return sorted(ids)


def _claim_due(session: Session, now: datetime, limit: int, owner: str, lease: timedelta, urgent: bool) -> list[int]:
    # `urgent = <value>` (not `IS`) is an index condition on ix_outbox_due's first column, so
    # `due_at <= now` bounds the scan: an idle claim reads a few index pages whatever the horizon
    # holds (one query over both urgencies scanned every planned row's entry: 645 pages at 100,000
    # patients).
    due = (select(Outbox.id).where(Outbox.status == Status.PLANNED, Outbox.urgent == urgent, Outbox.due_at <= now)
           .order_by(Outbox.due_at).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # A materialised CTE runs the locking SELECT exactly once; `id IN (subquery)` may let
    # PostgreSQL re-run it per row and claim more than `limit`.
    chosen = due.cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    return list(session.scalars(
        update(Outbox).where(Outbox.id == chosen.c.id, Outbox.status == Status.PLANNED)
        .values(status=Status.SENDING, claimed_at=now, claimed_by=owner, lease_until=now + lease,
                attempts=Outbox.attempts + 1)
        .returning(Outbox.id)).all())


def claim_one(session: Session, row_id: int, owner: str, now: datetime, lease: timedelta) -> bool:
    """Claim one planned row whatever its due time (the simulator's "send the next text now")."""
    return rowcount(session, update(Outbox).where(Outbox.id == row_id, Outbox.status == Status.PLANNED)
                             .values(status=Status.SENDING, claimed_at=now, claimed_by=owner,
                                     lease_until=now + lease, attempts=Outbox.attempts + 1)) == 1


def hold(session: Session, row_id: int, owner: str, now: datetime, lease: timedelta) -> Outbox | None:
    """Renew our lease and lock the row for the rest of this transaction; None if it is not ours
    any more. Writes to the returned row are then safe until the caller commits."""
    return session.scalars(_mine(row_id, owner).values(lease_until=now + lease).returning(Outbox),
                           execution_options={"populate_existing": True}).one_or_none()


def begin_attempt(session: Session, row_id: int, owner: str, now: datetime, lease: timedelta) -> bool:
    """The last word before the request to Twilio: still ours, lease renewed for the call, and the
    first attempt's time kept (the start of every later message-log search)."""
    return rowcount(session, _mine(row_id, owner).values(
        lease_until=now + lease, first_attempt_at=func.coalesce(Outbox.first_attempt_at, now))) == 1


def mark_sent(session: Session, row_id: int, owner: str, sid: str, twilio_status: str, now: datetime) -> bool:
    """Twilio has the message. A status callback may have got here first; it then already holds the
    sid and a later status, and this changes nothing."""
    status = Status.DELIVERED if twilio_status == "delivered" else Status.SENT
    done = rowcount(session, _mine(row_id, owner).values(
        status=status, twilio_sid=sid, twilio_status=twilio_status, sent_at=now, in_doubt=False,
        delivered_at=now if status == Status.DELIVERED else None)) == 1
    if not done and session.scalar(select(Outbox.twilio_sid).where(Outbox.id == row_id)) != sid:
        log.warning("outbox %s: sent as %s by a pass that no longer owns it; the owner will find it in "
                    "Twilio's log", row_id, sid)
    return done


def adopt(session: Session, row_id: int, owner: str, sid: str, twilio_status: str, now: datetime) -> bool:
    """A message from an earlier, in-doubt attempt turned up in Twilio's log: it is this row's."""
    done = mark_sent(session, row_id, owner, sid, twilio_status, now)
    if done:
        log.info("outbox %s: in-doubt send found in Twilio's log as %s; not sent again", row_id, sid)
    return done


def retry(session: Session, row_id: int, owner: str, due_at: datetime, in_doubt: bool,
          error_code: str | None = None, error_message: str | None = None) -> bool:
    """Back to planned for a later attempt. An in-doubt row stays in doubt until the log settles it."""
    values = {"status": Status.PLANNED, "due_at": due_at, "error_code": error_code,
              "error_message": error_message}
    if in_doubt:
        values["in_doubt"] = True
    return rowcount(session, _mine(row_id, owner).values(**values)) == 1


def fail(session: Session, row_id: int, owner: str, error_code: str | None, error_message: str | None) -> bool:
    return rowcount(session, _mine(row_id, owner).values(
        status=Status.FAILED, error_code=error_code, error_message=error_message)) == 1


def settle_held(row: Outbox, status: Status, reason: str) -> None:
    """A row we `hold` that must not go out after all (opted out, paused, too late)."""
    row.status, row.error_message = status, reason


def defer_held(row: Outbox, due_at: datetime) -> None:
    """A row we `hold` that must wait (quiet hours): not an attempt, so the claim's count is undone."""
    row.status, row.due_at, row.attempts = Status.PLANNED, due_at, row.attempts - 1


def has_expired(session: Session, now: datetime) -> bool:
    """One indexed probe: is any claim past its lease?"""
    return session.scalar(select(Outbox.id).where(Outbox.status == Status.SENDING, Outbox.lease_until < now)
                          .limit(1)) is not None


def reconcile_expired(session: Session, now: datetime, recheck: timedelta, limit: int = 100) -> int:
    """Release claims whose lease ran out (a crash, a hang, a killed process). A row whose request
    may have left goes back in doubt, due late enough for a slow create to appear in the log; the
    stale owner's conditional writes then find nothing to change."""
    stale = session.execute(select(Outbox.id, Outbox.claimed_by, Outbox.first_attempt_at)
                            .where(Outbox.status == Status.SENDING, Outbox.lease_until < now)
                            .order_by(Outbox.lease_until).limit(limit)).all()
    released = 0
    for row_id, owner, first_attempt in stale:
        values: dict = {"status": Status.PLANNED, "claimed_by": None}
        if first_attempt is not None:
            values |= {"in_doubt": True, "due_at": now + recheck}
        released += rowcount(session, update(Outbox).where(
            Outbox.id == row_id, Outbox.status == Status.SENDING, Outbox.lease_until < now,
            Outbox.claimed_by.is_not_distinct_from(owner)).values(**values))
        if first_attempt is not None:
            log.warning("outbox %s: claim by %s expired during a send; in doubt until Twilio's log is checked",
                        row_id, owner)
    session.commit()
    return released


def lookup(session: Session, transport, row_id: int, to: str, body: str, since: datetime):
    """This row's message in Twilio's log, if it is there: same number and text, created after the
    first attempt began, and not a message another row already owns (the same reply text can go to
    one patient twice). Raises when the log cannot be read: then nothing may be sent."""
    for found in transport.find_sent(to, body, since - LOOKUP_MARGIN):
        owner = session.scalar(select(Outbox.id).where(Outbox.twilio_sid == found.sid))
        if owner is None or owner == row_id:
            return found
    return None


def release(session: Session, row_id: int, owner: str, due_at: datetime | None = None,
            in_doubt: bool = False) -> bool:
    """Give a claim back (its holder died, or is shutting down before sending it). An in-doubt row
    keeps its flag: the message log is searched before it is sent."""
    values: dict = {"status": Status.PLANNED, "claimed_by": None}
    if due_at is not None:
        values["due_at"] = due_at
    if in_doubt:
        values["in_doubt"] = True
    return rowcount(session, _mine(row_id, owner).values(**values)) == 1


def release_unsent(session: Session, owner: str, row_ids: list[int]) -> int:
    """Claims of ours that no request has left for yet: back to planned, not in doubt."""
    if not row_ids:
        return 0
    return rowcount(session, update(Outbox).where(
        Outbox.id.in_(row_ids), Outbox.status == Status.SENDING, Outbox.claimed_by == owner,
        Outbox.first_attempt_at.is_(None)).values(status=Status.PLANNED, claimed_by=None,
                                                   attempts=Outbox.attempts - 1))
