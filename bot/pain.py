"""Pain answers: two 0-10 scores (back, and leg or buttock), and what each pattern needs.

- 8 or more: ask at once "Is your pain medicine helping?" (NO: urgent; YES: read the same day), and
  queue a same-day review item now, so a patient who never answers the follow-up is still read.
- a rise of 2 or more since the last score at that site, or 7 or more after day 14: review.
- 5 to 7, steady or falling: self-care advice, no promise (normal in the first weeks).
Triage's own pain flags give way to these rules; any other flag in the reply still counts.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import review
from bot.conversation import record_answer
from bot.models import Enrollment, Inbound, Observation, ReviewItem
from bot.runtime import Runtime
from bot.timeutil import utc_to_local
from bot.triage.catalogue import flag_tier
from bot.triage.result import ESCALATED, TIER_RANK, Tier

PAIN_FLAGS = {"pain", "severe_pain"}
SITES = (("pain", 0), ("pain_leg", 1))  # observation kind, index in the (back, leg) pair
HIGH, RISE, LATE_HIGH, LATE_DAY, SELF_CARE = 8, 2, 7, 14, 5


def _last(session: Session, enrollment_id: int, kind: str) -> float | None:
    value = session.scalars(select(Observation.value).where(
        Observation.enrollment_id == enrollment_id, Observation.kind == kind)
        .order_by(Observation.observed_at.desc(), Observation.id.desc()).limit(1)).first()
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def answer(rt: Runtime, session: Session, enrollment: Enrollment, inbound: Inbound, found_answer,
           found, now: datetime) -> None:
    scores = found_answer.value
    others = [f for f in found.flags if f not in PAIN_FLAGS]
    if found.tier != Tier.EMERGENCY:  # an emergency from a combination ("9 and my leg is numb") stays
        found.tier = max((flag_tier(f) for f in others), key=TIER_RANK.__getitem__, default=Tier.NONE)
    found.flags = others
    found.evidence = [e for e in found.evidence if e.split(":")[0] not in PAIN_FLAGS]
    rise = 0.0
    for kind, index in SITES:
        if scores[index] is None:
            continue
        previous = _last(session, enrollment.id, kind)
        if previous is not None:
            rise = max(rise, scores[index] - previous)
        record_answer(session, found_answer.question, kind, f"{scores[index]:g}", inbound.id, now)
    if found.tier in ESCALATED:
        return  # the escalation and its reply take over
    top = max(v for v in scores if v is not None)
    day = (utc_to_local(now, enrollment.timezone).date() - enrollment.surgery_date).days
    if top >= HIGH:
        found.key, found.expects, found.review = "pain_meds_question", "yes_no", "pain_high"
        found.evidence.append(f"pain {top:g}: asked whether the medicine helps")
        open_high_item(session, rt, enrollment, inbound, now)
    elif rise >= RISE or (top >= LATE_HIGH and day > LATE_DAY):
        found.key, found.review = "pain_review_reply", "pain_rising"
        found.evidence.append(f"pain {top:g}" + (f", up {rise:g}" if rise >= RISE else f" on day {day}"))
    elif top >= SELF_CARE:
        found.key = "pain_selfcare"


def open_high_item(session: Session, rt: Runtime, enrollment: Enrollment, inbound: Inbound,
                   now: datetime) -> ReviewItem:
    """The open same-day item for high pain: queued when the score came in, found again when the
    patient answers the medicine question (so the reply promises the item's own deadline)."""
    item = session.scalars(select(ReviewItem).where(
        ReviewItem.enrollment_id == enrollment.id, ReviewItem.reason == "pain_high",
        ReviewItem.resolved_at.is_(None)).order_by(ReviewItem.id.desc()).limit(1)).first()
    return item or review.add(session, rt, enrollment, inbound.id, "pain_high", now, "pain 8 or more")
