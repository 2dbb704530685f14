"""Two check-ins in a row without an answer: the patient goes to the review queue and gets one
gentle nudge (not another every day: one per silent stretch, until a coordinator resolves it)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot import fatigue, review
from bot.messages import render
from bot.models import Enrollment, Inbound, Outbox, ReviewItem
from bot.outbox import rows
from bot.outbox.states import ASKED
from bot.runtime import Runtime
from bot.vocabulary import EnrollmentStatus


def check(rt: Runtime, now: datetime, batch: int = 500) -> int:
    """Look at questions whose answer window has closed since the last pass; return nudges queued."""
    closed_before = now - timedelta(hours=rt.settings.answer_window_hours)
    nudged = 0
    with rt.session() as session:
        questions = session.scalars(select(Outbox).where(
            Outbox.expects.is_not(None), ~Outbox.silence_checked, Outbox.sent_at < closed_before)
            .order_by(Outbox.sent_at).limit(batch).with_for_update(skip_locked=True)).all()
        for question in questions:
            question.silence_checked = True
            if question.answered_at is not None or question.status not in ASKED or question.enrollment_id is None:
                continue
            if _replied_since(session, question):  # any reply breaks a silence streak, answer or not
                continue
            previous = session.scalars(select(Outbox).where(
                Outbox.enrollment_id == question.enrollment_id, Outbox.expects.is_not(None),
                Outbox.status.in_(ASKED), Outbox.sent_at < question.sent_at)
                .order_by(Outbox.sent_at.desc()).limit(1)).first()
            if previous is None or previous.answered_at is not None or _replied_since(session, previous):
                continue
            already = session.scalars(select(ReviewItem.id).where(
                ReviewItem.enrollment_id == question.enrollment_id, ReviewItem.reason == "silence",
                ReviewItem.resolved_at.is_(None))).first()
            if already is not None:
                continue
            enrollment = session.get(Enrollment, question.enrollment_id)
            if enrollment.status != EnrollmentStatus.ACTIVE:
                continue
            review.add(session, rt, enrollment, None, "silence", now, "two check-ins in a row unanswered")
            if fatigue.day_is_full(session, enrollment, now):
                continue  # no fourth text today (the review item still reaches a person)
            session.add(rows.nudge(enrollment.id, question.id, enrollment.phone,
                                   render(rt, enrollment.language, "silence_nudge", enrollment, now), now))
            nudged += 1
    return nudged


def _replied_since(session, question: Outbox) -> bool:
    """Questions stay open until answered (bot/conversation.py), so "silent" means no reply at all."""
    reply = session.scalars(select(Inbound.id).where(Inbound.enrollment_id == question.enrollment_id,
                                                     Inbound.received_at >= question.sent_at).limit(1)).first()
    return reply is not None
