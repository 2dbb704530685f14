"""Planning many patients at once: the daily horizon extension and bulk enrollment.

`planner.plan` plans one patient through the ORM (2.5 ms of CPU per patient per day). Most of that
work is the same for thousands of patients: everyone in one zone shares today's date, everyone on
one pathway and clinic shares the steps of a post-op day, and a step's UTC time depends only on
(local date, wall time, zone). Here those are computed once per distinct key and the rows are
written set-wise: COPY on PostgreSQL, one executemany on SQLite; the enrollments are updated in one
statement per chunk. The rare patient that needs more (the last day of the pathway: completion)
goes through `planner.plan`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.orm import Session

from bot import planner
from bot.models import Clinic, Enrollment
from bot.outbox import Kind, Status
from bot.outbox.rows import pathway_key
from bot.pathway_model import Library, Step
from bot.runtime import Runtime
from bot.settings import Settings
from bot.startup import bundle, make_room
from bot.timeutil import local_to_utc, local_today
from bot.vocabulary import EnrollmentStatus

# Every column COPY writes: SQLAlchemy's Python-side defaults do not apply to COPY.
COLUMNS = ("key", "enrollment_id", "to_phone", "kind", "step", "day", "content_key", "expects", "due_at",
           "status", "urgent", "attempts", "in_doubt", "silence_checked", "created_at", "updated_at")


@dataclass(frozen=True)
class Target:
    id: int
    phone: str
    surgery_date: date
    timezone: str
    pathway: str
    clinic_id: int | None
    planned_through_day: int
    created_at: datetime | None = None  # places the start-up bundle (bot/startup.py)
    options: dict | None = None  # the patient's own settings (bot/options.py)


@dataclass
class Plan:
    rows: list[tuple] = field(default_factory=list)
    # (enrollment id, planned_through_day, plan_next_at)
    updates: list[tuple[int, int, datetime]] = field(default_factory=list)
    slow: list[int] = field(default_factory=list)  # for planner.plan


class Planner:
    """Caches for one pass (one `now`): zone dates, steps per day, UTC times per local slot."""

    def __init__(self, library: Library, config: Settings, clinics: dict[int, dict], now: datetime):
        self.library, self.now, self.clinics = library, now, clinics
        self.horizon, self.quiet = config.plan_horizon_days, config.quiet_hours
        self.today = cache(lambda zone: local_today(zone, now))
        self.next_look = cache(lambda zone: local_to_utc(self.today(zone) + timedelta(days=1), time(0, 0), zone))
        self.when = cache(lambda day, at, zone: planner.send_time_on(day, at, zone, self.quiet))
        self.steps = cache(self._steps)
        self.settings = cache(self._settings)
        # Patients enrolled together (a CSV file) share a creation time: one bundle per cohort, zone
        # and surgery date. Bounded: in the daily pass creation times are mostly all different.
        self.bundle = lru_cache(maxsize=10000)(self._bundle)

    def _steps(self, pathway: str, clinic_id: int | None, options: tuple, day: int) -> list[Step]:
        return self.library.pathways[pathway].steps_on(day, self.settings(pathway, clinic_id, options))

    def _settings(self, pathway: str, clinic_id: int | None, options: tuple) -> dict:
        """As bot.messages.settings_for: the pathway's, the clinic's over them, the patient's own over
        both; there are few distinct combinations, so each is built once."""
        settings = dict(self.library.pathways[pathway].settings)
        settings.update((self.clinics.get(clinic_id) if clinic_id is not None else None) or {})
        settings.update(options)
        return settings

    def _bundle(self, pathway: str, clinic_id: int | None, options: tuple, surgery: date, zone: str,
                created: datetime):
        return bundle(self.library.pathways[pathway], self.settings(pathway, clinic_id, options), surgery, zone,
                      created, self.quiet)

    def add(self, plan: Plan, t: Target) -> None:
        """New days of one patient: after what is planned, from today through the horizon."""
        horizon = self.horizon_of(t)
        if horizon is None:
            plan.slow.append(t.id)  # completion, or before surgery: planner.plan
            return
        plan.rows += self.rows_of(t)
        plan.updates.append((t.id, *horizon))

    def horizon_of(self, t: Target) -> tuple[int, datetime] | None:
        """(planned_through_day, plan_next_at) once planned; None for `planner.plan`: the pathway
        ends today (completion), or surgery is still ahead (pre-op days are negative, and -1 is also
        the "nothing planned yet" of a new enrollment: the one-patient planner looks its rows up)."""
        today_day = (self.today(t.timezone) - t.surgery_date).days
        if today_day >= self.library.pathways[t.pathway].length_days or today_day < 0:
            return None
        return max(t.planned_through_day, today_day + self.horizon), self.next_look(t.timezone)

    def rows_of(self, t: Target) -> list[tuple]:
        """What `planner.planned_texts` gives for the new days (the start-up bundle, then each day's
        steps with room made for it), with everything that does not depend on the patient cached."""
        pathway = self.library.pathways[t.pathway]
        today_day = (self.today(t.timezone) - t.surgery_date).days
        first, last = max(t.planned_through_day + 1, today_day), today_day + self.horizon
        # The bundle depends on the enrollment's own creation time (placed once per cohort enrolled
        # together): it changes the steps of its own few days and leaves out the steps it covers.
        options = tuple(sorted((t.options or {}).items()))
        start = self.bundle(t.pathway, t.clinic_id, options, t.surgery_date, t.timezone, t.created_at or datetime.min)
        now = self.now
        rows = [self._row(t, step, day, due) for step, day, due in start.texts if first <= day <= last and due > now]
        for day in range(max(first, pathway.first_day), min(last, pathway.length_days) + 1):
            local_day = t.surgery_date + timedelta(days=day)
            for step in make_room(start, day, self.steps(t.pathway, t.clinic_id, options, day)):
                due = self.when(local_day, step.at, t.timezone)
                if due > now:
                    rows.append(self._row(t, step, day, due))
        return rows

    def _row(self, t: Target, step: Step, day: int, due: datetime) -> tuple:
        return (pathway_key(t.id, step.id, day), t.id, t.phone, Kind.PATHWAY.value, step.id, day,
                step.message, step.expects, due, Status.PLANNED.value, False, 0, False, False, self.now, self.now)


def clinic_settings(session: Session) -> dict[int, dict]:
    return {cid: settings or {} for cid, settings in session.execute(select(Clinic.id, Clinic.settings))}


def _psycopg(conn: Connection) -> Any:
    """The psycopg connection under SQLAlchemy's, for COPY and unnest."""
    driver = conn.connection.driver_connection
    assert driver is not None  # a connection in use has one
    return driver


def copy_rows(session: Session, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Many rows into a table in the caller's transaction: COPY on PostgreSQL (a tenth of the client
    CPU of an INSERT per row), one executemany on SQLite."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        with _psycopg(conn).cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                             rows)


def write(session: Session, plan: Plan, now: datetime) -> None:
    """The rows and the enrollments' new horizon, in the caller's transaction."""
    copy_rows(session, "outbox", COLUMNS, plan.rows)
    if not plan.updates:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        ids, days, nexts = zip(*plan.updates, strict=True)
        with _psycopg(conn).cursor() as cur:
            cur.execute("UPDATE enrollments e SET planned_through_day = v.d, plan_next_at = v.n, updated_at = %s "
                        "FROM unnest(%s::int[], %s::int[], %s::timestamp[]) AS v(id, d, n) WHERE e.id = v.id",
                        (now, list(ids), list(days), list(nexts)))
    else:
        table = cast(Table, Enrollment.__table__)
        conn.execute(update(table).where(table.c.id == bindparam("eid"))
                     .values(planned_through_day=bindparam("d"), plan_next_at=bindparam("n"), updated_at=now),
                     [{"eid": i, "d": d, "n": n} for i, d, n in plan.updates])


def plan_due(session: Session, rt: Runtime, now: datetime, chunk: int) -> tuple[int, int]:
    """Extend up to `chunk` enrollments whose next local day has begun; (enrollments, rows) done.

    PostgreSQL locks the chunk's enrollments (SKIP LOCKED): a pause or resume of one of them waits
    for this chunk, or the chunk leaves that patient for the next pass."""
    query = (select(Enrollment.id, Enrollment.phone, Enrollment.surgery_date, Enrollment.timezone,
                    Enrollment.pathway, Enrollment.clinic_id, Enrollment.planned_through_day,
                    Enrollment.created_at, Enrollment.options)
             .where(Enrollment.plan_next_at <= now, Enrollment.status == EnrollmentStatus.ACTIVE)
             .order_by(Enrollment.plan_next_at).limit(chunk))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Enrollment)
    targets = [Target(*row) for row in session.execute(query)]
    plan = Plan()
    planning = Planner(rt.library, rt.settings, clinic_settings(session), now)
    for t in targets:
        planning.add(plan, t)
    write(session, plan, now)
    added = len(plan.rows)
    for enrollment in session.scalars(select(Enrollment).where(Enrollment.id.in_(plan.slow))):
        added += planner.plan(session, rt, enrollment, now)
    return len(targets), added


def pass_due(rt, now: datetime, chunk: int = 5000) -> int:
    """The clock's planner job: chunk after chunk, each its own transaction (a chunk of 5,000 is
    about a second), so nothing waits long on its locks and a failure loses one chunk's work."""
    total = 0
    while True:
        with rt.session() as session:
            done, added = plan_due(session, rt, now, chunk)
        total += added
        if done < chunk:
            return total
