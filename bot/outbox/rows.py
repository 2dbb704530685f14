"""New outbox rows of each kind, and their unique keys (composed here and nowhere else).

The key makes planning and replying idempotent: a pathway step is written once per
(enrollment, step, day), a reply once per inbound MessageSid, a page once per
(escalation, round, coordinator)."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.models import Outbox
from bot.outbox.states import Kind, Status


def pathway_key(enrollment_id: int, step_id: str, day: int) -> str:
    return f"e{enrollment_id}:{step_id}:d{day}"


def pathway_row(key: str, enrollment_id: int, phone: str, step: str, day: int, content_key: str,
                  expects: str | None, due_at: datetime, now: datetime) -> dict:
    """A plain dict for bulk inserts (the planner writes tens of thousands at once)."""
    return dict(key=key, enrollment_id=enrollment_id, to_phone=phone, kind=Kind.PATHWAY.value, step=step,
                day=day, content_key=content_key, expects=expects, due_at=due_at, status=Status.PLANNED.value,
                urgent=False, attempts=0, in_doubt=False, created_at=now, updated_at=now)


def reply(message_sid: str, phone: str, body: str, now: datetime, enrollment_id: int | None = None,
          content_key: str | None = None, expects: str | None = None, kind: Kind = Kind.REPLY) -> Outbox:
    """Our answer to an inbound text: urgent (no quiet hours, no pacing), one per MessageSid.
    `expects`: the reply asks a question ("is your pain medicine helping?")."""
    return Outbox(key=f"reply:{message_sid}", enrollment_id=enrollment_id, to_phone=phone, kind=kind,
                  content_key=content_key, body=body, urgent=True, due_at=now, expects=expects)


def page(escalation_id: int, page_round: int, coordinator_id: int, phone: str, body: str, now: datetime,
         enrollment_id: int | None) -> Outbox:
    return Outbox(key=f"page:{escalation_id}:{page_round}:{coordinator_id}", escalation_id=escalation_id,
                  enrollment_id=enrollment_id, to_phone=phone, kind=Kind.PAGE, body=body, urgent=True, due_at=now)


def call(escalation_id: int, page_round: int, coordinator_id: int, phone: str, twiml: str, now: datetime,
         enrollment_id: int | None) -> Outbox:
    """A phone call beside a page (an emergency nobody acknowledged on the first rung)."""
    return Outbox(key=f"call:{escalation_id}:{page_round}:{coordinator_id}", escalation_id=escalation_id,
                  enrollment_id=enrollment_id, to_phone=phone, kind=Kind.CALL, body=twiml, urgent=True, due_at=now)


def nudge(enrollment_id: int, question_id: int, phone: str, body: str, now: datetime) -> Outbox:
    return Outbox(key=f"nudge:{enrollment_id}:{question_id}", enrollment_id=enrollment_id, to_phone=phone,
                  kind=Kind.NUDGE, content_key="silence_nudge", body=body, due_at=now)


def oneoff(enrollment_id: int, phone: str, body: str, now: datetime) -> Outbox:
    return Outbox(key=f"oneoff:{uuid.uuid4().hex}", enrollment_id=enrollment_id, to_phone=phone,
                  kind=Kind.ONEOFF, body=body, due_at=now, urgent=False)


def cancel_future(session: Session, enrollment_id: int | None = None, phone: str | None = None) -> int:
    """Cancel every routine text not yet handed to Twilio (pause, unenroll, STOP)."""
    query = update(Outbox).where(Outbox.status == Status.PLANNED, Outbox.urgent.is_(False))
    query = query.where(Outbox.enrollment_id == enrollment_id) if enrollment_id else query.where(
        Outbox.to_phone == phone)
    return rowcount(session, query.values(status=Status.CANCELLED))


def cancel_pages(session: Session, escalation_id: int) -> int:
    """Pages of an acknowledged escalation that have not gone to Twilio yet are moot."""
    return rowcount(session, update(Outbox).where(Outbox.escalation_id == escalation_id,
                                                  Outbox.status == Status.PLANNED)
                             .values(status=Status.CANCELLED))


def revive(session: Session, ids: list[int]) -> None:
    """A resumed or opted-back-in patient gets back the future texts a pause had cancelled."""
    if ids:
        session.execute(update(Outbox).where(Outbox.id.in_(ids), Outbox.status == Status.CANCELLED)
                        .values(status=Status.PLANNED, attempts=0))
