"""Who is on call for a clinic at a given moment, and in which order they are paged.

A clinic's weekly shifts are in its own time zone (weekdays 08:00-17:00 the nurse line, nights and
weekends the on-call provider), each an ordered ladder of coordinators; a one-off override ("Dana
covers tonight") replaces the ladder for its window. A clinic with no shift covering the moment
falls back to its coordinators' on-call ranks (the ladder before schedules existed), so adding a
schedule never leaves a gap that nobody notices; with neither, nobody is on call (the red banner).

The escalation ladder asks `rungs_at` every time it pages: a page goes to whoever is on call at
that moment, and the rules stay (next rung after 5 minutes for an emergency, 15 for urgent, then
everyone, round after round).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import record
from bot.models import Clinic, Coordinator, OnCallOverride, OnCallShift
from bot.timeutil import local_to_utc, utc_to_local

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class OnCallError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class OnCall:
    """Who is paged, rung by rung, and why (for the page that says so)."""
    rungs: list[list[Coordinator]]
    source: str  # "override", "shift" or "ranks"
    label: str   # the shift's name, the override's note, or "on-call ranks"


def _hhmm(value: str) -> time:
    h, m = value.split(":")
    return time(int(h), int(m))


def shift_covers(shift: OnCallShift, local: datetime) -> bool:
    """Does the shift cover this local wall time? An end at or before the start runs overnight: a
    Friday 17:00-08:00 shift covers Saturday 03:00."""
    starts, ends, now = _hhmm(shift.starts), _hhmm(shift.ends), local.time().replace(tzinfo=None)
    today, yesterday = str(local.weekday()), str((local.weekday() - 1) % 7)
    if starts < ends:
        return today in shift.days and starts <= now < ends
    return (today in shift.days and now >= starts) or (yesterday in shift.days and now < ends)


def _people(session: Session, clinic_id: int, ids: list[int]) -> list[Coordinator]:
    found = {c.id: c for c in session.scalars(select(Coordinator).where(
        Coordinator.id.in_(ids), Coordinator.clinic_id == clinic_id, Coordinator.active.is_(True)))}
    return [found[i] for i in ids if i in found]


def _rank_rungs(session: Session, clinic_id: int | None) -> list[list[Coordinator]]:
    people = session.scalars(select(Coordinator).where(
        Coordinator.clinic_id == clinic_id, Coordinator.active.is_(True), Coordinator.on_call_rank.is_not(None))
        .order_by(Coordinator.on_call_rank, Coordinator.id)).all()
    rungs: dict[int, list[Coordinator]] = {}
    for person in people:
        if person.on_call_rank is not None:  # always, by the query
            rungs.setdefault(person.on_call_rank, []).append(person)
    return [rungs[r] for r in sorted(rungs)]


def on_call_at(session: Session, clinic_id: int | None, zone: str, now: datetime) -> OnCall:
    """The ladder in force at `now` (naive UTC) for a clinic whose shifts are in `zone`."""
    if clinic_id is not None:
        override = session.scalars(select(OnCallOverride).where(
            OnCallOverride.clinic_id == clinic_id, OnCallOverride.starts_at <= now, OnCallOverride.ends_at > now)
            .order_by(OnCallOverride.id.desc())).first()
        if override is not None and (people := _people(session, clinic_id, override.ladder)):
            return OnCall([[p] for p in people], "override", override.note or "override")
        local = utc_to_local(now, zone)
        for shift in session.scalars(select(OnCallShift).where(OnCallShift.clinic_id == clinic_id)
                                     .order_by(OnCallShift.id)):
            if shift_covers(shift, local) and (people := _people(session, clinic_id, shift.ladder)):
                return OnCall([[p] for p in people], "shift", shift.name)
    return OnCall(_rank_rungs(session, clinic_id), "ranks", "on-call ranks")


def validate_shift(data: dict, coordinator_ids: set[int]) -> dict:
    """name, days (weekday digits), starts/ends HH:MM, ladder (coordinator ids of this clinic, in order)."""
    errors = []
    name = (data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors.append("name: required, at most 100 characters")
    days = "".join(sorted({d for d in (data.get("days") or "") if d in "0123456"}))
    if not days:
        errors.append("days: choose at least one day")
    for field in ("starts", "ends"):
        if not _HHMM.match(data.get(field) or ""):
            errors.append(f"{field}: a time as HH:MM (24-hour)")
    if data.get("starts") and data.get("starts") == data.get("ends"):
        errors.append("ends: must differ from starts (an end before the start runs overnight)")
    ladder = _ladder(data.get("ladder") or [], coordinator_ids, errors)
    if errors:
        raise OnCallError(errors)
    return {"name": name, "days": days, "starts": data["starts"], "ends": data["ends"], "ladder": ladder}


def _ladder(raw: list, coordinator_ids: set[int], errors: list[str]) -> list[int]:
    ladder: list[int] = []
    for value in raw:
        if value in (None, ""):
            continue
        try:
            person = int(value)
        except (TypeError, ValueError):
            errors.append("ladder: not a coordinator")
            continue
        if person not in coordinator_ids:
            errors.append("ladder: not a coordinator of this clinic")
        elif person not in ladder:
            ladder.append(person)
    if not ladder:
        errors.append("ladder: choose who is paged first")
    return ladder


def add_shift(session: Session, clinic: Clinic, data: dict, actor: str) -> OnCallShift:
    clean = validate_shift(data, _ids(session, clinic.id))
    shift = OnCallShift(clinic_id=clinic.id, **clean)
    session.add(shift)
    session.flush()
    record(session, actor, "oncall_shift_added", f"oncall_shift:{shift.id}", clean | {"clinic_id": clinic.id})
    return shift


def add_override(session: Session, clinic: Clinic, zone: str, data: dict, actor: str) -> OnCallOverride:
    """starts/ends as local 'YYYY-MM-DDTHH:MM' in the clinic's zone (what a datetime-local field sends)."""
    errors: list[str] = []
    moments = {}
    for field in ("starts", "ends"):
        try:
            local = datetime.fromisoformat((data.get(field) or "").strip())
            moments[field] = local_to_utc(local.date(), local.time(), zone)
        except ValueError:
            errors.append(f"{field}: a date and time (YYYY-MM-DD HH:MM)")
    if len(moments) == 2 and not moments["starts"] < moments["ends"] <= moments["starts"] + timedelta(days=31):
        errors.append("ends: after starts, and at most 31 days later")
    ladder = _ladder(data.get("ladder") or [], _ids(session, clinic.id), errors)
    note = (data.get("note") or "").strip()[:200] or None
    if errors:
        raise OnCallError(errors)
    override = OnCallOverride(clinic_id=clinic.id, starts_at=moments["starts"], ends_at=moments["ends"],
                              ladder=ladder, note=note, created_by=actor)
    session.add(override)
    session.flush()
    record(session, actor, "oncall_override_added", f"oncall_override:{override.id}",
           {"ladder": ladder, "note": note, "clinic_id": clinic.id})
    return override


def _ids(session: Session, clinic_id: int) -> set[int]:
    return set(session.scalars(select(Coordinator.id).where(Coordinator.clinic_id == clinic_id,
                                                            Coordinator.active.is_(True))))


def days_label(days: str) -> str:
    if days == "01234":
        return "Mon-Fri"
    if days == "0123456":
        return "every day"
    if days == "56":
        return "Sat-Sun"
    return ", ".join(DAY_NAMES[int(d)] for d in days)
