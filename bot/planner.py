"""Turning a pathway into outbox rows for one patient, a few days at a time.

Rows are written for a rolling horizon (PLAN_HORIZON_DAYS ahead) rather than all 84 days at
enrollment: content fixes reach patients sooner, a pause or opt-out has little to cancel, and the
outbox stays small. The clock's planner job extends each enrollment once a local day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import bulk_insert
from bot.messages import settings_for
from bot.models import Enrollment, Outbox
from bot.outbox import LIVE, Status
from bot.outbox.rows import pathway_key, pathway_row, revive
from bot.pathway_model import Library, Step
from bot.runtime import Runtime
from bot.startup import bundle, make_room
from bot.timeutil import local_to_utc, local_today, next_allowed, utcnow
from bot.vocabulary import EnrollmentStatus


def send_time(step: Step, surgery_date: date, day: int, zone: str, quiet: tuple[time, time]) -> datetime:
    """UTC due time of a step on a post-op day: the step's wall-clock time in the patient's zone,
    moved out of quiet hours to the next allowed minute."""
    return send_time_on(surgery_date + timedelta(days=day), step.at, zone, quiet)


def send_time_on(local_day: date, at: time, zone: str, quiet: tuple[time, time]) -> datetime:
    """The same for a local date: everyone in one zone shares it (bot.planner_bulk caches it)."""
    return next_allowed(local_to_utc(local_day, at, zone), zone, quiet)


@dataclass(frozen=True)
class PlannedText:
    key: str
    step: Step
    day: int
    due_at: datetime


def planned_texts(enrollment: Enrollment, library: Library, settings: dict, quiet: tuple[time, time],
                  first_day: int, last_day: int) -> list[PlannedText]:
    pathway = library.pathways[enrollment.pathway]
    # The start-up bundle (bot/startup.py) is placed from the enrollment's creation time, so every
    # pass of the planner finds the same texts under the same keys.
    start = bundle(pathway, settings, enrollment.surgery_date, enrollment.timezone,
                   enrollment.created_at or utcnow(), quiet)  # not yet flushed: enrolled now
    texts = [PlannedText(pathway_key(enrollment.id, step.id, day), step, day, due)
             for step, day, due in start.texts if first_day <= day <= last_day]
    for day in range(max(first_day, pathway.first_day), min(last_day, pathway.last_day_for(settings)) + 1):
        for step in make_room(start, day, pathway.steps_on(day, settings)):
            due = send_time(step, enrollment.surgery_date, day, enrollment.timezone, quiet)
            texts.append(PlannedText(pathway_key(enrollment.id, step.id, day), step, day, due))
    return texts


def plan(session: Session, rt: Runtime, enrollment: Enrollment, now: datetime) -> int:
    """Write the enrollment's outbox rows from today through the horizon, for the settings in force
    (pathway, clinic, the patient's own options); return how many were added or revived.

    Steps whose time has already passed are never written, so a late enrollment or a resume after a
    pause continues from now instead of sending a burst of old texts.
    """
    settings = settings_for(rt.library, enrollment)
    today = local_today(enrollment.timezone, now)
    today_day = (today - enrollment.surgery_date).days
    last_day = today_day + rt.settings.plan_horizon_days
    pathway = rt.library.pathways[enrollment.pathway]
    texts = [t for t in planned_texts(enrollment, rt.library, settings, rt.settings.quiet_hours,
                                      today_day, last_day) if t.due_at > now]
    existing = {}
    if texts:
        rows = session.execute(select(Outbox.key, Outbox.id, Outbox.status)
                               .where(Outbox.key.in_([t.key for t in texts]))).all()
        existing = {key: (row_id, status) for key, row_id, status in rows}
    new = [pathway_row(t.key, enrollment.id, enrollment.phone, t.step.id, t.day, t.step.message,
                         t.step.expects, t.due_at, now)
           for t in texts if t.key not in existing]
    bulk_insert(session, Outbox, new)
    revived = [existing[t.key][0] for t in texts if existing.get(t.key, (0, ""))[1] == Status.CANCELLED]
    revive(session, revived)
    enrollment.planned_through_day = max(enrollment.planned_through_day, last_day)
    if today_day >= pathway.last_day_for(settings):
        enrollment.plan_next_at = None
        if enrollment.status == EnrollmentStatus.ACTIVE and not _has_future(session, enrollment.id, now):
            enrollment.status = EnrollmentStatus.COMPLETED
    else:
        # Look again when the patient's next local day starts.
        enrollment.plan_next_at = local_to_utc(today + timedelta(days=1), time(0, 0), enrollment.timezone)
    return len(new) + len(revived)


def _has_future(session: Session, enrollment_id: int, now: datetime) -> bool:
    return session.execute(select(Outbox.id).where(Outbox.enrollment_id == enrollment_id,
                                                   Outbox.status.in_(LIVE))
                           .limit(1)).first() is not None
