"""Enrolling many patients at once (a CSV import, the API's single enrollment too): set-wise.

The enrollments go in as one multi-row INSERT whose ids come back in order; their first days of
texts and their audit lines go in by COPY on PostgreSQL and one executemany on SQLite, planned by
`planner_bulk` (zone dates, steps and send times computed once per distinct key, not per patient).
Validation happens before, in `bot.enrollment`: nothing here can leave half a file imported.
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot import planner, planner_bulk
from bot.clinics import default_clinic
from bot.models import Clinic, Enrollment
from bot.runtime import Runtime
from bot.vocabulary import EnrollmentStatus


def create_many(session: Session, rt: Runtime, patients: list, actor: str, now: datetime,
                clinic_id: int | None = None) -> list[Enrollment]:
    """Insert already-validated, not-yet-enrolled patients and plan their first days, set-wise;
    return them. The enrollments go in as one multi-row INSERT (their ids come back in order),
    their texts and audit lines by COPY on PostgreSQL and one executemany on SQLite."""
    clinic = session.get_one(Clinic, clinic_id) if clinic_id is not None else default_clinic(session, rt.settings)
    planning = planner_bulk.Planner(rt.library, rt.settings, {clinic.id: clinic.settings or {}}, now)
    records: list[dict] = []
    targets: list[planner_bulk.Target | None] = []  # None: planned one at a time below
    for p in patients:
        target = planner_bulk.Target(0, p.phone, p.surgery_date, p.timezone, p.pathway, clinic.id, -1, now,
                                     getattr(p, "options", None))
        # None: the pathway ends today, or surgery is ahead: planner.plan below, one patient at a time.
        planned, next_at = planning.horizon_of(target) or (-1, None)
        records.append({**p.__dict__, "status": EnrollmentStatus.ACTIVE, "clinic_id": clinic.id,
                        "planned_through_day": planned, "plan_next_at": next_at, "created_at": now, "updated_at": now})
        targets.append(target if next_at is not None else None)
    ids = list(session.scalars(insert(Enrollment).returning(Enrollment.id, sort_by_parameter_order=True), records))
    rows: list[tuple] = []
    for new_id, planned_ahead in zip(ids, targets, strict=True):
        if planned_ahead is not None:
            rows += planning.rows_of(replace(planned_ahead, id=new_id))
    planner_bulk.copy_rows(session, "outbox", planner_bulk.COLUMNS, rows)
    planner_bulk.copy_rows(session, "audit_log", ("at", "actor", "action", "subject", "detail"), [
        (now, actor, "enroll", f"enrollment:{new_id}", json.dumps({"pathway": p.pathway}))
        for new_id, p in zip(ids, patients, strict=True)])
    for new_id, planned_ahead in zip(ids, targets, strict=True):
        if planned_ahead is None:
            enrollment = session.get_one(Enrollment, new_id)
            planner.plan(session, rt, enrollment, now)
    return _loaded(session, ids)


def _loaded(session: Session, ids: list[int]) -> list[Enrollment]:
    """The new enrollments as objects, in input order (callers show them; a few ms per thousand)."""
    found: dict[int, Enrollment] = {}
    for start in range(0, len(ids), 10000):  # a statement holds at most 65,535 parameters
        chunk = ids[start:start + 10000]
        found.update((e.id, e) for e in session.scalars(select(Enrollment).where(Enrollment.id.in_(chunk))))
    return [found[i] for i in ids]
