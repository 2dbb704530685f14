"""Who a patient is: last name, date of birth, record number (issue 16).

First name and a phone are not enough to call the right person: two Anas, a shared family phone.
Enrollment requires last name and date of birth; the dashboard shows them on every screen and
searches by any of them; pages to coordinators' phones carry the first name and last initial only.
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import and_, func, or_

from bot.models import Enrollment
from bot.timeutil import typed_date


def validate(value: dict, today: date, clean: dict, errors: list[str]) -> None:
    """First and last name and date of birth are required: first name and phone alone let a
    coordinator call the wrong Ana. The record number (MRN) is optional, free text as the EHR spells it."""
    for field, longest in (("first_name", 50), ("last_name", 100)):
        name = value.get(field, "")
        if not name:
            errors.append(f"{field}: required")
        elif len(name) > longest:
            errors.append(f"{field}: at most {longest} characters")
        clean[field] = name
    try:
        born = typed_date(value.get("date_of_birth", ""))
        if born > today:
            raise ValueError(f"{born} is in the future")
        if born < date(today.year - 120, 1, 1):
            raise ValueError(f"{born} is more than 120 years ago")
        clean["date_of_birth"] = born
    except ValueError as e:
        errors.append(f"date_of_birth: {e}")
    record = value.get("record_number", "")
    if len(record) > 64:
        errors.append("record_number: at most 64 characters")
    clean["record_number"] = record or None


def page_name(enrollment: Enrollment | None) -> str:
    """How a page (an SMS or a call to a coordinator's phone) names the patient: first name and last
    initial only. The dashboard link behind it shows the rest to a logged-in coordinator."""
    if enrollment is None:
        return "unknown sender"
    initial = (enrollment.last_name or "").strip()[:1].upper()
    return f"{enrollment.first_name} {initial}." if initial else enrollment.first_name


def full_name(enrollment: Enrollment) -> str:
    return " ".join(p for p in (enrollment.first_name, enrollment.last_name) if p)



_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$|^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _as_date(token: str) -> date | None:
    m = _DATE.match(token)
    if not m:
        return None
    try:
        if m.group(1):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return date(int(m.group(6)), int(m.group(4)), int(m.group(5)))  # US order: MM/DD/YYYY
    except ValueError:
        return None


def search_condition(query: str):
    """Every word of the search must match something: a date matches the date of birth (YYYY-MM-DD
    or MM/DD/YYYY), `#12` (or a short number) the id, 4+ digits the phone's end or the record number, any other word
    the first or last name (contains) or the record number (exact). So "Reyes 1961-04-12" finds the
    one Ms Reyes born that day."""
    conditions = []
    for token in query.split():
        born = _as_date(token)
        lowered = token.lower()
        if born is not None:
            conditions.append(Enrollment.date_of_birth == born)
        elif token.startswith("#") and token[1:].isdigit():
            conditions.append(Enrollment.id == int(token[1:]))
        elif token.isdigit() and len(token) < 4:
            conditions.append(or_(Enrollment.id == int(token), func.lower(Enrollment.record_number) == lowered))
        else:
            options = [func.lower(Enrollment.first_name).contains(lowered, autoescape=True),
                       func.lower(Enrollment.last_name).contains(lowered, autoescape=True),
                       func.lower(Enrollment.record_number) == lowered]
            digits = re.sub(r"\D", "", token)
            if len(digits) >= 4 and len(digits) == len(token.lstrip("+")):
                options.append(Enrollment.phone.endswith(digits, autoescape=True))
            conditions.append(or_(*options))
    return and_(*conditions) if conditions else None
