"""Enrolling patients (one by one, from CSV, from the API) and pausing, resuming or unenrolling them.

Validation is the same for every door in, and nothing is written unless every field (or every CSV
line) is good: a half-imported list is worse than none, because nobody notices who is missing.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import identity, planner
from bot import options as patient_options
from bot.audit import record
from bot.enroll_bulk import create_many
from bot.models import Enrollment, OptOut
from bot.options import OPTION_FIELDS
from bot.outbox import rows as outbox_rows
from bot.phones import mask_phone, parse_phone
from bot.runtime import Runtime
from bot.timeutil import known_zone, local_today, typed_date, utcnow
from bot.vocabulary import LIVE_ENROLLMENT, EnrollmentStatus

FIELDS = ("first_name", "phone", "surgery_date", "timezone", "language", "pathway")
# Identity (issue 16): who the patient is, so a coordinator calls the right person.
IDENTITY_FIELDS = ("last_name", "date_of_birth", "record_number")
# Per-patient options (issue 14, bot/options.py): all optional.
ALL_FIELDS = FIELDS + IDENTITY_FIELDS + OPTION_FIELDS
OPTIONAL_FIELDS = {"pathway", "record_number"} | set(OPTION_FIELDS)
# A surgery date may be this far ahead: the pre-op texts start a week before (issue 14).
MAX_DAYS_AHEAD = 60
LIVE = LIVE_ENROLLMENT


class EnrollmentError(ValueError):
    def __init__(self, errors: list[str], status: int = 400):
        self.errors = errors
        self.status = status
        super().__init__("; ".join(errors))


@dataclass(frozen=True)
class NewPatient:
    first_name: str
    phone: str
    surgery_date: date
    timezone: str
    language: str
    pathway: str
    last_name: str = ""
    date_of_birth: date | None = None
    record_number: str | None = None
    options: dict = field(default_factory=dict)


_JSON_TYPES = {dict: "an object", list: "a list", int: "a number", float: "a number", bool: "true/false"}


def _text_problem(value: str) -> str | None:
    if any(ord(c) < 32 and c not in "\t\r\n" for c in value):
        return "contains a NUL or control character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate)"
    return None


def validate(raw: dict, rt: Runtime, today: date | None = None) -> NewPatient:
    """Check every field and report every problem at once, named by field."""
    errors: list[str] = []
    today = today or utcnow().date()
    clean: dict = {}
    unknown = sorted(set(raw) - set(ALL_FIELDS))
    if unknown:
        errors.append(f"unknown field(s): {', '.join(unknown)}")
    value, unusable = {}, []
    for k, v in raw.items():
        if k not in ALL_FIELDS:
            continue
        v = patient_options.as_text(v) if k in OPTION_FIELDS else v
        if v is not None and not isinstance(v, str):
            # Never coerced: a number or an object where text belongs is a caller's mistake to fix.
            unusable.append(f"{k}: must be text, not {_JSON_TYPES.get(type(v), type(v).__name__)}")
        elif v is not None and (problem := _text_problem(v)):
            unusable.append(f"{k}: {problem}")
        else:
            value[k] = v.strip() if v else ""
    if unusable:  # the checks below would only add "required" for the same fields
        raise EnrollmentError(errors + unusable)

    identity.validate(value, today, clean, errors)
    patient_options.validate(value, clean, errors)

    try:
        if not value.get("phone"):
            raise ValueError("required")
        clean["phone"] = parse_phone(value["phone"], rt.settings.default_phone_region)
    except ValueError as e:
        errors.append(f"phone: {e}")

    pathway_id = value.get("pathway") or "lumbar-fusion"
    pathway = rt.library.pathways.get(pathway_id)
    if pathway is None:
        errors.append(f"pathway: unknown {pathway_id!r} (known: {', '.join(sorted(rt.library.pathways))})")
    clean["pathway"] = pathway_id

    try:
        surgery = typed_date(value.get("surgery_date", ""))
        if pathway and surgery < today - timedelta(days=pathway.length_days):
            raise ValueError(f"{surgery} is more than {pathway.length_days} days ago; the pathway is over")
        if surgery > today + timedelta(days=MAX_DAYS_AHEAD):
            raise ValueError(f"{surgery} is more than {MAX_DAYS_AHEAD} days away; enroll the patient within "
                             f"{MAX_DAYS_AHEAD} days of surgery (the pre-op texts start a week before)")
        clean["surgery_date"] = surgery
    except ValueError as e:
        errors.append(f"surgery_date: {e}")

    zone = value.get("timezone", "")
    if not known_zone(zone):
        errors.append(f"timezone: {zone!r} is not an IANA time zone such as America/New_York"
                      if zone else "timezone: required, e.g. America/New_York")
    clean["timezone"] = zone

    language = value.get("language", "").lower()
    if language not in rt.library.languages:
        errors.append(f"language: {language!r} is not one of {', '.join(rt.library.languages)}"
                      if language else f"language: required ({', '.join(rt.library.languages)})")
    clean["language"] = language

    if errors:
        raise EnrollmentError(errors)
    return NewPatient(**clean)


def live_enrollment(session: Session, phone: str) -> Enrollment | None:
    return session.scalars(select(Enrollment).where(Enrollment.phone == phone,
                                                    Enrollment.status.in_(LIVE))).first()


def create(session: Session, rt: Runtime, patient: NewPatient, actor: str, now: datetime,
           clinic_id: int | None = None) -> Enrollment:
    if live_enrollment(session, patient.phone):
        raise EnrollmentError([f"phone: {mask_phone(patient.phone)} is already enrolled (unenroll first)"],
                              status=409)
    return create_many(session, rt, [patient], actor, now, clinic_id)[0]


def import_csv(session: Session, rt: Runtime, text: str, actor: str, now: datetime,
               clinic_id: int | None = None) -> tuple[list[Enrollment], int]:
    """Import every line or none. Returns (created, already enrolled and skipped).

    A line whose patient is already enrolled with the same name and surgery date is skipped, so a
    fixed file can simply be imported again.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    required = set(ALL_FIELDS) - OPTIONAL_FIELDS
    if not required <= set(header):
        missing = ", ".join(sorted(required - set(header)))
        raise EnrollmentError([f"header: missing column(s) {missing}; expected {','.join(ALL_FIELDS)}"])
    errors: list[str] = []
    patients: list[tuple[int, NewPatient]] = []
    today = local_today("UTC", now)
    for line_no, row in enumerate(reader, start=2):
        row = {(k or "").strip(): v for k, v in row.items() if k is not None}
        if None in row.values() or not any((v or "").strip() for v in row.values()):
            if any((v or "").strip() for v in row.values() if v):
                errors.append(f"line {line_no}: wrong number of columns")
            continue
        try:
            patients.append((line_no, validate(row, rt, today)))
        except EnrollmentError as e:
            errors.extend(f"line {line_no}: {err}" for err in e.errors)
    seen: dict[str, int] = {}
    for line_no, patient in patients:
        if patient.phone in seen:
            errors.append(f"line {line_no}: phone: same number as line {seen[patient.phone]}")
        seen.setdefault(patient.phone, line_no)
    existing: dict[str, Enrollment] = {}
    phones = list(seen)
    for start in range(0, len(phones), 10000):  # a statement holds at most 65,535 parameters
        existing.update((e.phone, e) for e in session.scalars(select(Enrollment).where(
            Enrollment.phone.in_(phones[start:start + 10000]), Enrollment.status.in_(LIVE))))
    to_create = []
    skipped = 0
    for line_no, patient in patients:
        current = existing.get(patient.phone)
        if current is None:
            to_create.append(patient)
        elif (current.first_name, current.surgery_date) == (patient.first_name, patient.surgery_date):
            skipped += 1
        else:
            errors.append(f"line {line_no}: phone: already enrolled for another patient or surgery date")
    if errors:
        raise EnrollmentError(errors)
    return create_many(session, rt, to_create, actor, now, clinic_id), skipped


def pause(session: Session, enrollment: Enrollment, actor: str) -> None:
    _require(enrollment, {EnrollmentStatus.ACTIVE}, "pause")
    enrollment.status = EnrollmentStatus.PAUSED
    outbox_rows.cancel_future(session, enrollment_id=enrollment.id)
    record(session, actor, "pause", f"enrollment:{enrollment.id}")


def resume(session: Session, rt: Runtime, enrollment: Enrollment, actor: str, now: datetime) -> None:
    _require(enrollment, {EnrollmentStatus.PAUSED}, "resume")
    enrollment.status = EnrollmentStatus.ACTIVE
    planner.plan(session, rt, enrollment, now)
    record(session, actor, "resume", f"enrollment:{enrollment.id}")


def unenroll(session: Session, enrollment: Enrollment, actor: str) -> int:
    _require(enrollment, set(LIVE_ENROLLMENT), "unenroll")
    enrollment.status = EnrollmentStatus.UNENROLLED
    enrollment.plan_next_at = None
    cancelled = outbox_rows.cancel_future(session, enrollment_id=enrollment.id)
    record(session, actor, "unenroll", f"enrollment:{enrollment.id}", {"cancelled": cancelled})
    return cancelled


ACTIONS = ("pause", "resume", "unenroll")


def change(session: Session, rt: Runtime, enrollment: Enrollment, action: str, actor: str, now: datetime) -> None:
    """Pause, resume or unenroll: the one entry point for the CLI, the API and the dashboard."""
    if action == "pause":
        pause(session, enrollment, actor)
    elif action == "resume":
        resume(session, rt, enrollment, actor, now)
    elif action == "unenroll":
        unenroll(session, enrollment, actor)
    else:
        raise EnrollmentError([f"action: unknown {action!r} ({', '.join(ACTIONS)})"], status=404)


def _require(enrollment: Enrollment, allowed: set[str], action: str) -> None:
    if enrollment.status not in allowed:
        raise EnrollmentError([f"status: cannot {action} an enrollment that is {enrollment.status}"], status=409)


def is_opted_out(session: Session, phone: str) -> bool:
    return session.get(OptOut, phone) is not None


def describe(enrollment: Enrollment, opted_out: bool) -> dict:
    return {"id": enrollment.id, "first_name": enrollment.first_name, "phone": enrollment.phone,
            "last_name": enrollment.last_name, "record_number": enrollment.record_number,
            "date_of_birth": enrollment.date_of_birth.isoformat() if enrollment.date_of_birth else None,
            "surgery_date": enrollment.surgery_date.isoformat(), "timezone": enrollment.timezone,
            "language": enrollment.language, "pathway": enrollment.pathway, "status": enrollment.status,
            "opted_out": opted_out, "phone_problem": enrollment.phone_problem,
            "options": patient_options.describe(enrollment.options),
            # Before surgery there is no post-op day to show: when the texts start instead (issue 14).
            "starts_on": enrollment.surgery_date.isoformat() if enrollment.surgery_date > utcnow().date() else None,
            "created_at": enrollment.created_at.isoformat() + "Z" if enrollment.created_at else None}
