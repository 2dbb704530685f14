"""Turning a content key into the words one patient reads."""
from __future__ import annotations

from datetime import date

from bot.pathways import Library

# Texts the service sends on its own (not from a schedule), with the extra values each may use.
SYSTEM_KEYS: dict[str, set[str]] = {
    "help": set(),
    "opt_in_confirm": set(),
    "ack_answer": set(),
    "ack_pain_high": set(),
    "ack_message": set(),
    "routine_reply": set(),
    "urgent_reply": set(),
    "emergency_reply": set(),
    "crisis_reply": set(),
    "screen_yes_reply": set(),
    "unknown_sender": set(),
    "silence_nudge": set(),
    "page": {"tier", "flags", "enrollment_id", "code", "link"},
}


def settings_for(library: Library, enrollment) -> dict:
    """A pathway's team-specific numbers, overridden by the patient's clinic where it sets them."""
    pathway = library.pathways.get(enrollment.pathway)
    values: dict = dict(pathway.settings) if pathway else {}
    if enrollment.clinic is not None:
        values.update(enrollment.clinic.settings or {})
    return values


def values_for(library: Library, enrollment, clinic_name: str, clinic_phone: str | None,
               today: date | None = None) -> dict:
    """Everything a placeholder may refer to: settings, the patient's name, the clinic's contacts."""
    values = settings_for(library, enrollment)
    clinic = enrollment.clinic
    if clinic is not None:
        clinic_name = clinic.name or clinic_name
        clinic_phone = clinic.phone or clinic_phone
    values.update(first_name=enrollment.first_name, clinic_name=clinic_name,
                  clinic_phone=clinic_phone or "your surgeon's office")
    if today is not None:
        day = (today - enrollment.surgery_date).days
        values.update(day=day, week=day // 7 + 1)
    return values
