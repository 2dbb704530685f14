"""What did we last ask this patient, and does this reply answer it?"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Observation, Outbox

_YES = {"yes", "y", "yeah", "yep", "si", "sí", "s"}
_NO = {"no", "n", "nope", "nah"}
_WORD = re.compile(r"^\s*([a-záéíóúñ]+)\s*[.!]*\s*$", re.IGNORECASE)


def open_question(session: Session, enrollment_id: int, now: datetime, window: timedelta) -> Outbox | None:
    """The latest question sent to the patient, if its answer window is still open (a newer
    question replaces it)."""
    latest = session.scalars(select(Outbox).where(
        Outbox.enrollment_id == enrollment_id, Outbox.expects.is_not(None),
        Outbox.status.in_(("sent", "delivered")), Outbox.sent_at.is_not(None))
        .order_by(Outbox.sent_at.desc()).limit(1)).first()
    if latest is None or latest.sent_at < now - window:
        return None
    return latest


def yes_no(body: str) -> str | None:
    m = _WORD.match(body)
    if not m:
        return None
    word = m.group(1).lower()
    return "yes" if word in _YES else "no" if word in _NO else None


def record_answer(session: Session, question: Outbox, kind: str, value: str, inbound_id: int,
                  now: datetime) -> Observation:
    question.answered_at = question.answered_at or now
    observation = Observation(enrollment_id=question.enrollment_id, kind=kind, value=value,
                              question_id=question.id, inbound_id=inbound_id, observed_at=now)
    session.add(observation)
    return observation
