"""The roster: the clinic's patients with their recovery at a glance.

Thousands of patients: filters run in SQL over the whole clinic, then one page is shown, and each
column is one aggregate query over that page's ids (a fixed number of queries per page, never one
per patient).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template, request
from flask_login import login_required
from sqlalchemy import case, exists, func, or_, select

from bot import identity
from bot.models import Enrollment, Escalation, Inbound, Observation, OptOut, Outbox
from bot.outbox.states import ASKED, Kind
from bot.timeutil import local_today
from bot.vocabulary import LIVE_ENROLLMENT, UNRESOLVED, EnrollmentStatus, EscalationStatus
from bot.web import db
from bot.web.dashboard.common import bp, clinic_filter, pain_value, sparkline

PAGE_SIZE = 100
TREND_POINTS = 14
STATUSES = ("live", *EnrollmentStatus, "all")


@dataclass
class Row:
    enrollment: Enrollment
    day: int
    last_reply: datetime | None
    pain: int | None
    trend: object
    escalations: int
    urgent_open: bool
    asked: int
    answered: int
    opted_out: bool

    @property
    def response_rate(self) -> str:
        return f"{round(100 * self.answered / self.asked)}%" if self.asked else "-"


def _has_open_escalation():
    return exists().where(Escalation.enrollment_id == Enrollment.id, Escalation.status.in_(UNRESOLVED))


def _flagged():
    return or_(Enrollment.phone_problem.is_not(None), exists().where(OptOut.phone == Enrollment.phone))


def filtered_query(q: str, status: str, flagged: bool, open_only: bool):
    query = select(Enrollment).where(clinic_filter())
    if status == "live":
        query = query.where(Enrollment.status.in_(LIVE_ENROLLMENT))
    elif status != "all":
        query = query.where(Enrollment.status == status)
    condition = identity.search_condition(q.strip())
    if condition is not None:
        query = query.where(condition)
    if flagged:
        query = query.where(_flagged())
    if open_only:
        query = query.where(_has_open_escalation())
    return query


def build_rows(session, enrollments: list[Enrollment], today: date | None = None) -> list[Row]:
    ids = [e.id for e in enrollments]
    if not ids:
        return []
    last_reply = dict(session.execute(select(Inbound.enrollment_id, func.max(Inbound.received_at))
                                      .where(Inbound.enrollment_id.in_(ids)).group_by(Inbound.enrollment_id)).all())
    ranked = (select(Observation.enrollment_id, Observation.value, Observation.observed_at,
                     func.row_number().over(partition_by=Observation.enrollment_id,
                                            order_by=(Observation.observed_at.desc(), Observation.id.desc()))
                     .label("n"))
              .where(Observation.enrollment_id.in_(ids), Observation.kind == "pain").subquery())
    pains: dict[int, list[int]] = {}
    for enrollment_id, value, _at, _n in session.execute(
            select(ranked).where(ranked.c.n <= TREND_POINTS).order_by(ranked.c.enrollment_id, ranked.c.observed_at)):
        if (v := pain_value(value)) is not None:
            pains.setdefault(enrollment_id, []).append(v)
    escalations: dict[int, tuple[int, bool]] = {}
    for enrollment_id, count, urgent_open in session.execute(
            select(Escalation.enrollment_id, func.count(Escalation.id),
                   func.sum(case((Escalation.status == EscalationStatus.OPEN, 1), else_=0)))
            .where(Escalation.enrollment_id.in_(ids), Escalation.status.in_(UNRESOLVED))
            .group_by(Escalation.enrollment_id)):
        escalations[enrollment_id] = (count, bool(urgent_open))
    questions = (select(Outbox.enrollment_id, func.count(Outbox.id), func.count(Outbox.answered_at))
                 .where(Outbox.enrollment_id.in_(ids), Outbox.kind == Kind.PATHWAY, Outbox.expects.is_not(None),
                        Outbox.status.in_(ASKED))
                 .group_by(Outbox.enrollment_id))
    asked = {eid: (n, answered) for eid, n, answered in session.execute(questions)}
    opted = set(session.scalars(select(OptOut.phone).where(OptOut.phone.in_([e.phone for e in enrollments]))))
    rows = []
    for e in enrollments:
        trend = pains.get(e.id, [])
        esc_count, esc_open = escalations.get(e.id, (0, False))
        n_asked, n_answered = asked.get(e.id, (0, 0))
        day = ((today or local_today(e.timezone)) - e.surgery_date).days
        rows.append(Row(e, day, last_reply.get(e.id), trend[-1] if trend else None, sparkline(trend),
                        esc_count, esc_open, n_asked, min(n_answered, n_asked), e.phone in opted))
    return rows


@bp.get("/")
@bp.get("/patients")
@login_required
def roster():
    session = db()
    q = request.args.get("q", "")[:100]
    status = request.args.get("status", "live")
    status = status if status in STATUSES else "live"
    flagged = request.args.get("flagged") == "1"
    open_only = request.args.get("open") == "1"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = filtered_query(q, status, flagged, open_only)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    # Who needs attention first: patients with an unresolved escalation, then the most recent surgeries.
    ordered = query.order_by(_has_open_escalation().desc(), Enrollment.surgery_date.desc(), Enrollment.id.desc())
    enrollments = list(session.scalars(ordered.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("roster.html", rows=build_rows(session, enrollments), total=total, page=page,
                           pages=pages, q=q, status=status, flagged=flagged, open_only=open_only,
                           statuses=STATUSES)
