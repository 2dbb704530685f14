"""A clinic's outcomes at a glance (the dashboard's outcomes page and its CSV): response to check-ins
and median pain by post-operative week, escalations per 100 patient-weeks and the time to
acknowledge them, review items answered on time, opt-outs.

Computed on demand from the tables that already hold the truth (outbox, observations, escalations,
review items, opt-outs); nothing is stored twice. Weeks are post-operative weeks (day 0-6 is week 1)
counted in each patient's own zone, so patients who had surgery on different days line up.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clinics import in_clinic
from bot.models import Enrollment, Escalation, Observation, OptOut, Outbox, ReviewItem
from bot.outbox.states import ASKED, Kind
from bot.timeutil import utc_to_local


@dataclass
class Outcomes:
    patients: int = 0
    patient_weeks: float = 0.0
    response: dict[int, tuple[int, int]] = field(default_factory=dict)        # week -> (answered, asked)
    pain: dict[int, tuple[float, float, float, int]] = field(default_factory=dict)  # week -> p25, median, p75, n
    escalations: dict[str, int] = field(default_factory=dict)                 # tier -> count
    ack_minutes: dict[str, tuple[float, float, int]] = field(default_factory=dict)  # tier -> median, p90, n
    review_on_time: tuple[int, int] = (0, 0)                                  # (on time, due so far)
    opted_out: int = 0

    def per_100_weeks(self, count: int) -> float:
        return round(100 * count / self.patient_weeks, 1) if self.patient_weeks else 0.0


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def compute(session: Session, clinic_id: int | None, now: datetime, length_days: int = 84) -> Outcomes:
    result = Outcomes()
    mine = in_clinic(Enrollment, clinic_id)
    people = session.execute(select(Enrollment.id, Enrollment.surgery_date, Enrollment.timezone, Enrollment.created_at,
                                    Enrollment.phone).where(mine)).all()
    result.patients = len(people)
    surgery = {p.id: (p.surgery_date, p.timezone) for p in people}
    for p in people:  # the weeks each patient has been in the pathway so far
        start = max(p.created_at.date(), p.surgery_date)
        end = min(now.date(), p.surgery_date.fromordinal(p.surgery_date.toordinal() + length_days))
        result.patient_weeks += max((end - start).days, 0) / 7

    asked = session.execute(select(Outbox.day, func.count(Outbox.id), func.count(Outbox.answered_at))
                            .join(Enrollment, Enrollment.id == Outbox.enrollment_id)
                            .where(mine, Outbox.kind == Kind.PATHWAY, Outbox.expects.is_not(None),
                                  Outbox.status.in_(ASKED), Outbox.day.is_not(None))
                            .group_by(Outbox.day)).all()
    for day, n, answered in asked:
        assert day is not None  # the query keeps rows with a day only
        week = day // 7 + 1
        got, total = result.response.get(week, (0, 0))
        result.response[week] = (got + min(answered, n), total + n)

    by_week: dict[int, list[float]] = {}
    for enrollment_id, value, at in session.execute(
            select(Observation.enrollment_id, Observation.value, Observation.observed_at)
            .join(Enrollment, Enrollment.id == Observation.enrollment_id)
            .where(mine, Observation.kind == "pain")):
        try:
            score = float(value)
        except ValueError:
            continue
        day_of_surgery, zone = surgery[enrollment_id]
        week = (utc_to_local(at, zone).date() - day_of_surgery).days // 7 + 1
        if week >= 1:
            by_week.setdefault(week, []).append(score)
    result.pain = {w: (_quantile(v, 0.25), statistics.median(v), _quantile(v, 0.75), len(v))
                   for w, v in sorted(by_week.items())}

    waits: dict[str, list[float]] = {}
    for tier, created, acked in session.execute(
            select(Escalation.tier, Escalation.created_at, Escalation.acknowledged_at)
            .where(in_clinic(Escalation, clinic_id))):
        result.escalations[tier] = result.escalations.get(tier, 0) + 1
        if acked is not None:
            waits.setdefault(tier, []).append((acked - created).total_seconds() / 60)
    result.ack_minutes = {t: (round(statistics.median(v), 1), round(_quantile(v, 0.9), 1), len(v))
                          for t, v in waits.items()}

    due = session.execute(select(ReviewItem.due_at, ReviewItem.resolved_at)
                          .join(Enrollment, Enrollment.id == ReviewItem.enrollment_id)
                          .where(mine, ReviewItem.due_at.is_not(None), ReviewItem.due_at <= now)).all()
    on_time = sum(1 for d, r in due if r is not None and d is not None and r <= d)
    result.review_on_time = (on_time, len(due))
    phones = [p.phone for p in people]
    result.opted_out = (session.scalar(select(func.count()).select_from(OptOut).where(OptOut.phone.in_(phones)))
                        or 0) if phones else 0
    return result


def csv_rows(o: Outcomes) -> list[list]:
    """The same numbers as the page, one per line: metric, week or tier, value, count."""
    rows: list[list] = [["metric", "group", "value", "count"]]
    rows += [["response_rate", f"week {w}", round(a / n, 3) if n else "", n]
             for w, (a, n) in sorted(o.response.items())]
    for w, (p25, med, p75, n) in o.pain.items():
        rows += [["pain_median", f"week {w}", med, n], ["pain_p25", f"week {w}", p25, n],
                 ["pain_p75", f"week {w}", p75, n]]
    for tier, count in sorted(o.escalations.items()):
        rows.append(["escalations_per_100_patient_weeks", tier, o.per_100_weeks(count), count])
    for tier, (median, p90, n) in sorted(o.ack_minutes.items()):
        rows += [["ack_minutes_median", tier, median, n], ["ack_minutes_p90", tier, p90, n]]
    on_time, due = o.review_on_time
    rows.append(["review_on_time_rate", "all", round(on_time / due, 3) if due else "", due])
    rows.append(["opted_out", "patients", o.opted_out, o.patients])
    rows.append(["patient_weeks", "all", round(o.patient_weeks, 1), o.patients])
    return rows
