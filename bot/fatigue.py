"""At most 3 texts a patient a local day, automatic ones included (clinical-review.md #37, top 8 #8).

The pathway and its start-up bundle keep to it by construction (bot/startup.py, checked by
`postop content check`); the texts the service adds on its own that can wait or be left out (the
silence nudge) ask here first. Safety replies and pages never do: safety rule 4."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Enrollment, Outbox
from bot.outbox import Status
from bot.timeutil import local_to_utc, utc_to_local

MAX_TEXTS_PER_DAY = 3


def texts_on_day(session: Session, enrollment: Enrollment, moment: datetime) -> int:
    """Texts to this patient due on the local day of `moment` (sent or still to go)."""
    day = utc_to_local(moment, enrollment.timezone).date()
    start = local_to_utc(day, time(0, 0), enrollment.timezone)
    end = local_to_utc(day + timedelta(days=1), time(0, 0), enrollment.timezone)
    return session.scalar(select(func.count(Outbox.id)).where(
        Outbox.enrollment_id == enrollment.id, Outbox.due_at >= start, Outbox.due_at < end,
        Outbox.status.not_in([Status.CANCELLED, Status.SKIPPED]))) or 0


def day_is_full(session: Session, enrollment: Enrollment, moment: datetime) -> bool:
    return texts_on_day(session, enrollment, moment) >= MAX_TEXTS_PER_DAY
