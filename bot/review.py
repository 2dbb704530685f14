"""The review queue's deadlines: every item is due by a time set per reason, in the clinic's
business hours; past due, it pages the on-call ladder once at low priority (tier `routine`, flag
`review_overdue`), and the escalation watchdog then moves that page up the ladder as for urgent."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import clinic_hours, escalation
from bot.models import Enrollment, ReviewItem
from bot.runtime import Runtime

# reason -> (rule, amount). "hours": business hours from now; "day": the close of the business day
# that many business days on (0: today, or the next business day when closed now; 1: the next
# business day, which when closed now is the day the clinic next opens).
DUE: dict[str, tuple[str, float]] = {
    "free_text": ("hours", 1),          # a reply nobody could place: it may be something new
    "unknown_sender": ("hours", 1),
    "processing_failed": ("hours", 1),
    "no_answer_words": ("hours", 1),    # an answer with more to it ("no, but ...")
    "ambiguous_answer": ("hours", 1),   # a pain score that may be red-flag check-in items ("3")
    "pain_high": ("day", 0),            # 8+ and the medicine helps: read the same day
    "pain_rising": ("hours", 4),        # up 2+ since last time, or 7+ after day 14
    "routine_reply": ("day", 1),        # routine questions: the next business day
    "silence": ("day", 1),
    "phq2_positive": ("day", 0),        # a positive depression screen: a clinician the same day
}
DEFAULT_DUE = ("day", 1)


def due_at(hours: clinic_hours.Hours, reason: str, now: datetime) -> datetime:
    rule, amount = DUE.get(reason, DEFAULT_DUE)
    if rule == "hours":
        return hours.add_business_hours(now, amount)
    days = int(amount)
    if days and not hours.open_at(now):
        days -= 1  # closed now: the next business day is the day the clinic next opens (Mon 18:00 -> Tue)
    return hours.end_of_day(now, days)


def hours_for(rt: Runtime, enrollment: Enrollment | None) -> clinic_hours.Hours:
    return clinic_hours.for_clinic(enrollment.clinic if enrollment is not None else None,
                                  rt.settings.clinic_hours)


def add(session: Session, rt: Runtime, enrollment: Enrollment | None, inbound_id: int | None, reason: str,
        now: datetime, detail: str | None = None) -> ReviewItem:
    """Queue an item with its deadline; the caller tells the patient when it will be read (due_at)."""
    item = ReviewItem(enrollment_id=enrollment.id if enrollment else None, inbound_id=inbound_id, reason=reason,
                      detail=detail, created_at=now, due_at=due_at(hours_for(rt, enrollment), reason, now))
    session.add(item)
    return item


def page_overdue(rt: Runtime, now: datetime, batch: int = 200) -> int:
    """Open one low-priority escalation for each open item past its deadline. Returns how many."""
    paged = 0
    with rt.session() as session:
        items = session.scalars(select(ReviewItem).where(
            ReviewItem.resolved_at.is_(None), ReviewItem.escalation_id.is_(None), ReviewItem.due_at <= now)
            .order_by(ReviewItem.due_at).limit(batch).with_for_update(skip_locked=True)).all()
        for item in items:
            enrollment = session.get(Enrollment, item.enrollment_id) if item.enrollment_id else None
            evidence = f"review item {item.id} ({item.reason}) due {item.due_at:%Y-%m-%d %H:%M} UTC"
            late = escalation.open_escalation(session, rt, enrollment, item.inbound_id, "routine",
                                              ["review_overdue"], [evidence], now)
            item.escalation_id = late.id
            paged += 1
    if paged:
        rt.kick_urgent()
    return paged


def is_late(item: ReviewItem, now: datetime) -> bool:
    return item.resolved_at is None and item.due_at is not None and item.due_at <= now
