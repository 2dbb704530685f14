"""Sending due outbox rows: claim, commit the claim, then call the transport.

What a row's status may become, and who may change it, is `bot.outbox.lifecycle`'s business; this
module decides what to do with a claimed row (hold it back, render it, pace it, send it, settle
an in-doubt earlier attempt first) and what a failure means for the patient.
"""
from __future__ import annotations

import logging
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import pacing, review
from bot.messages import render
from bot.models import Enrollment, Escalation, OptOut, Outbox
from bot.outbox import Kind, Status, lifecycle, liveness
from bot.outbox.rows import cancel_future
from bot.recovery import recover
from bot.runtime import Runtime
from bot.sms import segments
from bot.timeutil import next_allowed, utcnow
from bot.transport import BAD_NUMBER, OPTED_OUT, TransportError
from bot.triage.result import Tier
from bot.vocabulary import EnrollmentStatus, EscalationStatus

log = logging.getLogger(__name__)

# What became of one claimed row.
SendOutcome = Literal["sent", "adopted", "retry", "failed", "held", "cancelled", "skipped", "lost"]


@dataclass
class Stats:
    claimed: int = 0
    reconciled: int = 0
    outcomes: Counter[SendOutcome] = field(default_factory=Counter)


@dataclass(frozen=True)
class Pass:
    """One dispatch pass: its owner id, and its idea of the time (the pass's `now` moved on by the
    wall-clock time spent since, so tests can hand in a fixed `now`)."""
    rt: Runtime
    owner: str
    start: datetime
    started: float

    def now(self) -> datetime:
        return self.start + timedelta(seconds=max(self.rt.clock() - self.started, 0.0))

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.rt.settings.sending_lease_seconds)


def dispatch_urgent(rt: Runtime) -> Stats:
    """Pages and safety texts only, at once (called right after a red flag arrives)."""
    try:
        return dispatch_due(rt, utcnow(), urgent_only=True)
    except Exception:  # the clock's next pass sends them; never lose the webhook thread to this
        log.exception("urgent dispatch failed; the clock will retry")
        return Stats()


def dispatch_due(rt: Runtime, now: datetime | None = None, limit: int | None = None,
                 urgent_only: bool = False) -> Stats:
    """One dispatch pass: recover dead and expired claims, claim what is due, send it (in parallel,
    paced). `postop tick` and the web's urgent kick use it; the clock runs `dispatch_loop`."""
    now = now or utcnow()
    stats = Stats()
    if limit is None:
        # Never claim more than pacing lets us send well within the lease, or our own queued rows
        # would expire and be taken over.
        paced = rt.settings.send_rate * rt.settings.sending_lease_seconds / 2
        limit = max(1, int(min(rt.settings.dispatch_batch, paced)))
    stats.reconciled = recover(rt, now)
    run, ids = claim(rt, now, limit, urgent_only=urgent_only)
    stats.claimed = len(ids)
    if not ids:
        return stats
    threads = min(rt.settings.dispatch_threads, len(ids))
    if threads == 1:
        outcomes = [send(run, row_id) for row_id in ids]
    else:
        with ThreadPoolExecutor(threads, thread_name_prefix="dispatch") as pool:
            outcomes = list(pool.map(lambda row_id: send(run, row_id), ids))
    stats.outcomes.update(outcomes)
    return stats


def claim(rt: Runtime, now: datetime, limit: int, urgent_only: bool = False,
          routine_only: bool = False) -> tuple[Pass, list[int]]:
    """Claim up to `limit` due rows under a new owner; the claim is committed before any send."""
    # Whoever claims must beat (web workers, `postop tick`): otherwise its claims would look dead
    # after HEARTBEAT_STALE_SECONDS and be taken while it still sends them.
    liveness.start_beating(rt)
    run = Pass(rt, lifecycle.new_owner(), now, rt.clock())
    with rt.session() as session:
        ids = lifecycle.claim(session, now, limit, run.owner, run.lease, urgent_only=urgent_only,
                              routine_only=routine_only)
    return run, ids


def send_claimed(rt: Runtime, row_id: int, now: datetime, owner: str) -> SendOutcome:
    """Send one row claimed by `owner` (the simulator's "next text now")."""
    return send(Pass(rt, owner, now, rt.clock()), row_id)


def send(run: Pass, row_id: int) -> SendOutcome:
    """Returns what happened: sent, adopted, retry, failed, held, cancelled, skipped or lost."""
    rt = run.rt
    with rt.session() as session:
        row = lifecycle.hold(session, row_id, run.owner, run.now(), run.lease)
        if row is None:
            return "lost"
        enrollment = session.get(Enrollment, row.enrollment_id) if row.enrollment_id else None
        reason = _hold_reason(session, rt, row, enrollment, run.now())
        if reason:
            return reason
        if row.body is None:
            # Rendered at send time: planned texts of an enrollment, which _hold_reason let through.
            assert enrollment is not None and row.content_key is not None
            row.body = render(rt, enrollment.language, row.content_key, enrollment, run.now())
        is_call = row.kind == Kind.CALL
        row.segments = None if is_call else segments(row.body)
        to, body, urgent, segs = row.to_phone, row.body, row.urgent, row.segments or 0  # a call: no segments
        in_doubt, since = row.in_doubt, row.first_attempt_at or row.claimed_at
        assert since is not None  # a claimed row has its claim's time
        # The rendered body is committed before the call: the message-log search matches on it.
        # A routine text books its pacing slot in this transaction (one commit less per text); an
        # in-doubt one only once the log has been read, since it may not be sent at all.
        wait = pacing.book(session, rt, rt.sender, segs) if not urgent and not in_doubt else 0.0
    if in_doubt and not is_call:  # a call in doubt is placed again: a second ring beats none
        settled = _settle_in_doubt(run, row_id, to, body, since)
        if settled:
            return settled
        if not urgent:
            pacing.wait_for_slot(rt, rt.sender, segs)
    if wait > 0:
        rt.sleep(wait)
    with rt.session() as session:
        if not lifecycle.begin_attempt(session, row_id, run.owner, run.now(), run.lease):
            return "lost"
    try:
        if is_call:
            result = rt.transport.call(to, body, rt.public_url(f"/twilio/voice/status?outbox_id={row_id}"))
        else:
            result = rt.transport.send(to, body, rt.public_url(f"/twilio/status?outbox_id={row_id}"))
    except TransportError as error:
        return _failed(run, row_id, error)
    with rt.session() as session:
        if not lifecycle.mark_sent(session, row_id, run.owner, result.sid, result.status, run.now()):
            return "lost"
    log.info("outbox %s sent through %s as %s", row_id, rt.sender, result.sid)
    return "sent"


def _settle_in_doubt(run: Pass, row_id: int, to: str, body: str, since: datetime) -> SendOutcome | None:
    """Before sending again, ask Twilio's log whether an earlier attempt got through after all."""
    rt = run.rt
    with rt.session() as session:
        try:
            found = lifecycle.lookup(session, rt.transport, row_id, to, body, since)
        except Exception:  # the log unreadable: sending now could be a duplicate; wait
            log.warning("outbox %s: Twilio message log unavailable; in-doubt send not retried yet", row_id)
            due = run.now() + timedelta(seconds=rt.settings.in_doubt_recheck_seconds)
            return "retry" if lifecycle.retry(session, row_id, run.owner, due, in_doubt=True) else "lost"
        if found is None:
            return None
        return "adopted" if lifecycle.adopt(session, row_id, run.owner, found.sid, found.status, run.now()) else "lost"


def _hold_reason(session: Session, rt: Runtime, row: Outbox, enrollment: Enrollment | None,
                 now: datetime) -> SendOutcome | None:
    """Last checks at the moment of sending; anything that changed since planning wins."""
    # The one text an opted-out number still gets: the confirmation of an opt-out word Twilio does
    # not know (Spanish PARAR, BAJA...), which Twilio therefore does not confirm itself.
    if row.kind != Kind.OPTOUT_CONFIRM and session.get(OptOut, row.to_phone) is not None:
        lifecycle.settle_held(row, Status.CANCELLED, "number opted out (STOP)")
        return "cancelled"
    if row.kind == Kind.PATHWAY:
        if enrollment is None or enrollment.status != EnrollmentStatus.ACTIVE:
            lifecycle.settle_held(row, Status.CANCELLED, f"enrollment {enrollment.status if enrollment else 'gone'}")
            return "cancelled"
        if enrollment.phone_problem:
            lifecycle.settle_held(row, Status.SKIPPED, f"phone problem: {enrollment.phone_problem}")
            return "skipped"
        if now - row.due_at > timedelta(hours=rt.settings.routine_stale_hours) and not row.in_doubt:
            # An outage must not end in a burst of yesterday's reminders (an in-doubt one may
            # already have gone: the message log decides).
            lifecycle.settle_held(row, Status.SKIPPED, "too late to be useful")
            return "skipped"
    if row.kind in (Kind.PATHWAY, Kind.NUDGE) and enrollment is not None and _open_emergency(session, enrollment.id):
        # A patient in an emergency gets no walking reminder: the routine pathway waits until a
        # coordinator resolves it (safety replies, pages and coordinators' own texts still go).
        lifecycle.settle_held(row, Status.SKIPPED, "paused: open emergency")
        return "skipped"
    if not row.urgent and enrollment is not None:
        allowed = next_allowed(now, enrollment.timezone, rt.settings.quiet_hours)
        if allowed > now:  # retries and outages can push a routine text into the night
            lifecycle.defer_held(row, allowed)
            return "held"
    return None


def _open_emergency(session: Session, enrollment_id: int) -> bool:
    return session.scalars(select(Escalation.id).where(
        Escalation.enrollment_id == enrollment_id, Escalation.tier == Tier.EMERGENCY,
        Escalation.status != EscalationStatus.RESOLVED).limit(1)).first() is not None


def _failed(run: Pass, row_id: int, error: TransportError) -> SendOutcome:
    rt, now = run.rt, run.now()
    code, message = (str(error.code) if error.code else None), str(error)[:300]
    with rt.session() as session:
        attempts = session.get(Outbox, row_id).attempts
        if not error.permanent and attempts < rt.settings.max_send_attempts:
            delay = _backoff(attempts)
            if error.retry_after:
                delay = max(delay, timedelta(seconds=error.retry_after))
            if error.ambiguous:
                delay = max(delay, timedelta(seconds=rt.settings.in_doubt_recheck_seconds))
            if not lifecycle.retry(session, row_id, run.owner, now + delay, error.ambiguous, code, message):
                return "lost"
            log.warning("outbox %s: %s error %s, retry %d at %s", row_id,
                        "in-doubt" if error.ambiguous else "transient", error.code, attempts, now + delay)
            return "retry"
        if not lifecycle.fail(session, row_id, run.owner, code, message):
            return "lost"
        log.error("outbox %s: gave up: %s", row_id, error)
        _flag_permanent(session, rt, session.get(Outbox, row_id, populate_existing=True), error, now)
        return "failed"


def _flag_permanent(session: Session, rt: Runtime, row: Outbox, error: TransportError, now: datetime) -> None:
    enrollment = session.get(Enrollment, row.enrollment_id) if row.enrollment_id else None
    if error.code == OPTED_OUT:
        # Twilio knows of a STOP we missed: honour it everywhere, as if the patient had texted us.
        if session.get(OptOut, row.to_phone) is None:
            session.add(OptOut(phone=row.to_phone, source="twilio-21610"))
        cancel_future(session, phone=row.to_phone)
        reason = "opted_out_at_twilio"
    elif error.code in BAD_NUMBER:
        if enrollment is not None and row.kind not in (Kind.PAGE, Kind.CALL):  # a coordinator's number is not hers
            enrollment.phone_problem = f"Twilio {error.code}: number cannot receive texts"
        reason = "bad_number"
    else:
        reason = "send_in_doubt" if row.in_doubt or error.ambiguous else "send_failed"
    # With a deadline like every other item, so a text that could not be delivered pages someone when
    # nobody has looked at it in time.
    review.add(session, rt, enrollment, None, reason, now,
               detail=f"outbox {row.id}: {row.error_code or ''} {row.error_message}")


def _backoff(attempt: int) -> timedelta:
    base = min(30 * 2 ** max(attempt - 1, 0), 1800)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))
