"""Twilio's status callbacks applied to outbox rows.

Callbacks are Twilio's own word on a message, so they apply whoever holds a claim on the row: a
callback for an in-doubt row settles it (the send did happen), and one for a row whose sid was
never saved (a crash between Twilio's answer and our commit) heals it through the `outbox_id`
in the callback URL."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Enrollment, Outbox
from bot.outbox.states import FROM_TWILIO, FROM_TWILIO_CALL, RANK, Kind, Status

log = logging.getLogger(__name__)
DEAD_NUMBER = {"30005", "30006"}  # unknown handset, landline: retrying the number will not help


def known_status(twilio_status: str) -> bool:
    return twilio_status in FROM_TWILIO


def call_answered(session: Session, escalation_id: int, phone: str, call_sid: str, now: datetime) -> None:
    """The coordinator pressed 1 during a paging call: the call row records when (`answered_at`)."""
    row = session.scalars(select(Outbox).where(Outbox.escalation_id == escalation_id, Outbox.kind == Kind.CALL,
                                               Outbox.to_phone == phone).order_by(Outbox.id.desc())).first()
    if row is not None:
        row.answered_at = now
        row.twilio_sid = row.twilio_sid or call_sid


def apply_call_status(session: Session, outbox_id: int | None, sid: str, call_status: str, duration: str | None,
                      now: datetime) -> Outbox | None:
    """A call's outcome (Twilio's CallStatus callback) on its outbox row: answered, no answer, busy,
    failed. Forward only, like messages. The caller commits."""
    row = session.get(Outbox, outbox_id) if outbox_id is not None else None
    if row is None or row.kind != Kind.CALL or row.twilio_sid not in (None, sid):
        row = session.scalars(select(Outbox).where(Outbox.twilio_sid == sid, Outbox.kind == Kind.CALL)).first()
    if row is None or call_status not in FROM_TWILIO_CALL:
        return None
    row.twilio_sid = row.twilio_sid or sid
    new = FROM_TWILIO_CALL[call_status]
    if RANK[new] > RANK.get(Status(row.status), 0) or (new == row.status and call_status != row.twilio_status):
        row.status, row.twilio_status, row.in_doubt = new, call_status, False
        row.sent_at = row.sent_at or now
        if new == Status.DELIVERED:
            row.delivered_at = row.delivered_at or now
        if duration and duration.isdigit():
            row.segments = int(duration)  # seconds on the line, for the card
    return row


def apply_status(session: Session, outbox_id: int | None, sid: str, twilio_status: str,
                 error_code: str | None, error_message: str | None, now: datetime) -> Outbox | None:
    """Move the row forward (never back); returns it, or None when no row matches. The caller commits."""
    row = session.get(Outbox, outbox_id) if outbox_id is not None else None
    if row is not None and row.twilio_sid not in (None, sid):
        row = None  # the URL's id names another message: trust the sid
    if row is None:
        row = session.scalars(select(Outbox).where(Outbox.twilio_sid == sid)).first()
    if row is None:
        return None
    if row.twilio_sid is None:
        row.twilio_sid = sid
    new = FROM_TWILIO[twilio_status]
    if RANK[new] <= RANK.get(Status(row.status), 0):
        return row
    row.status, row.twilio_status, row.in_doubt = new, twilio_status, False
    row.sent_at = row.sent_at or now
    if new == Status.DELIVERED:
        row.delivered_at = now
    if error_code:
        row.error_code, row.error_message = error_code[:16], (error_message or "")[:300] or None
        if error_code in DEAD_NUMBER and row.enrollment_id and row.kind == Kind.PATHWAY:
            enrollment = session.get(Enrollment, row.enrollment_id)
            if enrollment is not None:
                enrollment.phone_problem = f"Twilio {error_code}: number cannot receive texts"
    return row
