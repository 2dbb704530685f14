"""At most 3 texts a patient a local day, automatic replies included (issue 14 item 7;
clinical-review.md #37, top 8 #8).

The pathway and its start-up bundle keep to it by construction (bot/startup.py, checked by
`postop content check`). The texts the service adds on its own that can wait or be left out ask
here first: the silence nudge (bot/silence.py), and the automatic replies in HOLDABLE_REPLIES
(bot/respond.py `_act`), which are not sent on a day that already has 3 texts; the answer itself is
recorded as on any other day. A reply is an outbox row due when it is sent, so it counts against the
day too: two "ok"s on a day with 2 texts get one thank-you.

Safety replies and pages are never held, whatever the count (safety rule 4): red-flag replies, the
911 and 988 lines, every reply with the safety line ("this number is not watched all the time ...
call 911") that goes with a review item, HELP/STOP/START answers, the "is your pain medicine
helping?" question, opt-out confirmations, coordinator ACK answers, the positive PHQ-2 reply."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Enrollment, Outbox
from bot.outbox import Status
from bot.outbox.states import Kind
from bot.timeutil import local_to_utc, utc_to_local

MAX_TEXTS_PER_DAY = 3

# The automatic replies that may be left out on a full day: a plain thank-you and the self-care
# advice for a steady pain of 5-7. None of them carries a safety line, a promise or a question
# (tests/test_fatigue.py checks the texts). A key missing here is always sent.
HOLDABLE_REPLIES = frozenset({
    "ack_message",    # "Thank you, Ana. We got your message." (a benign "ok", "gracias", 👍)
    "ack_answer",     # "Thank you, Ana. Your answer is saved."
    "pain_selfcare",  # "Thank you, Ana. Some pain is normal while you heal. Rest, ..."
})

# Not texts to the patient: a page or a call to a coordinator carries the enrollment too.
_NOT_TO_PATIENT = (Kind.PAGE, Kind.CALL)


def texts_on_day(session: Session, enrollment: Enrollment, moment: datetime) -> int:
    """Texts to this patient due on the local day of `moment` (sent or still to go), replies included."""
    day = utc_to_local(moment, enrollment.timezone).date()
    start = local_to_utc(day, time(0, 0), enrollment.timezone)
    end = local_to_utc(day + timedelta(days=1), time(0, 0), enrollment.timezone)
    return session.scalar(select(func.count(Outbox.id)).where(
        Outbox.enrollment_id == enrollment.id, Outbox.due_at >= start, Outbox.due_at < end,
        Outbox.kind.not_in(_NOT_TO_PATIENT),
        Outbox.status.not_in([Status.CANCELLED, Status.SKIPPED]))) or 0


def day_is_full(session: Session, enrollment: Enrollment, moment: datetime) -> bool:
    return texts_on_day(session, enrollment, moment) >= MAX_TEXTS_PER_DAY


def holds(session: Session, enrollment: Enrollment, key: str, moment: datetime) -> bool:
    """Leave this automatic reply out: it may be held, and the patient's day already has 3 texts."""
    return key in HOLDABLE_REPLIES and day_is_full(session, enrollment, moment)
