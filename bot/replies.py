"""What the service texts back to a patient: the words (content keys), the values they need, and
"when the clinic will read this", said from the same deadline the review item carries."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.messages import render
from bot.models import Enrollment, Inbound
from bot.outbox import rows as outbox_rows
from bot.outbox.states import Kind
from bot.runtime import Runtime
from bot.timeutil import utc_to_local


def _clock(moment: datetime, language: str) -> str:
    if language == "en":  # "9 AM", "4:30 PM": how US patients read a time
        hour = moment.hour % 12 or 12
        minutes = f":{moment.minute:02d}" if moment.minute else ""
        return f"{hour}{minutes} {'AM' if moment.hour < 12 else 'PM'}"
    return f"{moment.hour}:{moment.minute:02d}"


def read_when(rt: Runtime, language: str, due: datetime, now: datetime, timezone: str) -> str:
    """ "today by 5 PM", "tomorrow by 9 AM", "on Monday by 9 AM" (content keys read_*), in the
    patient's time zone: the same moment the review item is due."""
    local_due, local_now = utc_to_local(due, timezone), utc_to_local(now, timezone)
    days = (local_due.date() - local_now.date()).days
    weekday = render(rt, language, "weekdays").split()[local_due.weekday()]
    key = "read_today" if days == 0 else "read_tomorrow" if days == 1 else "read_weekday"
    return render(rt, language, key, time=_clock(local_due, language), weekday=weekday)


def language_of(enrollment: Enrollment | None, fallback: str = "en") -> str:
    return enrollment.language if enrollment is not None else fallback


def say(rt: Runtime, session: Session, enrollment: Enrollment | None, phone: str, key: str, inbound: Inbound,
        now: datetime, opted_out: bool, *, due: datetime | None = None, expects: str | None = None,
        language: str | None = None, force: bool = False, kind: Kind = Kind.REPLY,
        values: dict[str, str] | None = None) -> str | None:
    """Answer the patient: an urgent outbox row, sent at once whatever the hour. Nothing for an
    opted-out number, unless `force` (the confirmation of a Spanish opt-out, which Twilio does not
    send). `due`: the review deadline the text promises; `expects`: the reply asks a question;
    `values`: other placeholders the text needs."""
    if opted_out and not force:
        return None
    language = language or language_of(enrollment)
    timezone = enrollment.timezone if enrollment is not None else rt.settings.clinic_hours.timezone
    extra = dict(values or {})
    if due is not None:
        extra["read_when"] = read_when(rt, language, due, now, timezone)
    body = render(rt, language, key, enrollment, now, **extra)
    session.add(outbox_rows.reply(inbound.message_sid, phone, body, now, enrollment.id if enrollment else None,
                                  key, expects, kind))
    return body
