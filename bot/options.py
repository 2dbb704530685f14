"""Per-patient options (issue 14): what differs between patients of the same team and changes the
advice they read. Set at enrollment (form, CSV, API, CLI), shown and changed on the patient page.

* brace: the surgeon prescribed a brace (default off: many surgeons do not brace after an
  instrumented fusion, clinical-review.md #21);
* hip_graft: bone graft taken from the hip (adds the graft-site text, #20);
* approach: posterior, lateral or anterior (lateral adds the thigh-numbness text, #20);
* lifting_limit_lb, sitting_limit_min: this patient's limits, over the clinic's and the pathway's.

The options are stored as the patient's own settings (Enrollment.options) and override the clinic's
and the pathway's in bot.messages.settings_for, so a step's `when:` and a text's {placeholders}
follow them with no code of their own: texts for an option a patient lacks are never planned.
"""
from __future__ import annotations

from bot.vocabulary import EnrollmentStatus

OPTION_FIELDS = ("brace", "hip_graft", "approach", "lifting_limit_lb", "sitting_limit_min")
APPROACHES = ("posterior", "lateral", "anterior")
_YES = {"yes", "y", "true", "1", "on", "si", "sí"}
_NO = {"no", "n", "false", "0", "off", ""}
# Limits a clinician could mean (sources range 4-15 lb and 15-45 minutes; wider for later weeks).
LIMITS = {"lifting_limit_lb": (1, 50), "sitting_limit_min": (5, 120)}


def as_text(value) -> object:
    """JSON true/false and numbers are natural for options; the enrollment checks want text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return value


def validate(value: dict, clean: dict, errors: list[str]) -> None:
    """Only what was given is stored: an option left out follows the clinic and the pathway."""
    options: dict = {}
    for name in ("brace", "hip_graft"):
        raw = value.get(name, "").lower()
        if raw in _YES:
            options[name] = True
        elif raw in _NO:
            if raw:
                options[name] = False
        else:
            errors.append(f"{name}: {raw!r} is not yes or no")
    approach = value.get("approach", "").lower()
    if approach and approach not in APPROACHES:
        errors.append(f"approach: {approach!r} is not one of {', '.join(APPROACHES)}")
    elif approach:
        options["approach"] = approach
    for name, (low, high) in LIMITS.items():
        raw = value.get(name, "")
        if not raw:
            continue
        if not raw.isdigit() or not low <= int(raw) <= high:
            errors.append(f"{name}: {raw!r} is not a whole number from {low} to {high}")
        else:
            options[name] = int(raw)
    clean["options"] = options


def describe(options: dict | None) -> dict:
    """The options as the API and the patient page show them (unset ones as None)."""
    options = options or {}
    return {name: options.get(name) for name in OPTION_FIELDS}


def change(session, rt, enrollment, raw: dict, actor: str, now) -> dict:
    """Set the options given in `raw` (a missing one is left as it is, an empty one goes back to the
    team's default) and re-plan the texts still to come, so a text for an option the patient no longer
    has is cancelled and one for a new option is planned. Returns the options now in force."""
    from bot import planner
    from bot.audit import record
    from bot.enrollment import EnrollmentError
    from bot.messages import settings_for
    from bot.outbox import rows

    unknown = sorted(set(raw) - set(OPTION_FIELDS))
    errors: list[str] = [f"unknown option(s): {', '.join(unknown)}"] if unknown else []
    given = {k: str(as_text(v)).strip() for k, v in raw.items() if k in OPTION_FIELDS and v is not None}
    clean: dict = {}
    validate(given, clean, errors)
    if errors:
        raise EnrollmentError(errors)
    before = settings_for(rt.library, enrollment)
    options = {k: v for k, v in (enrollment.options or {}).items() if k not in given}
    options.update(clean["options"])
    enrollment.options = options
    if enrollment.status == EnrollmentStatus.ACTIVE:
        # Cancel what is planned and plan again: rows whose step still applies come back (the planner
        # revives cancelled rows with the same key), the others stay cancelled.
        rows.cancel_future(session, enrollment_id=enrollment.id)
        after = settings_for(rt.library, enrollment)
        planner.plan(session, enrollment, rt.library, rt.config, now, after)
        _late_start_up_texts(session, rt, enrollment, before, after, now)
    record(session, actor, "options", f"enrollment:{enrollment.id}", describe(options))
    return options


def _late_start_up_texts(session, rt, enrollment, before: dict, after: dict, now) -> None:
    """An option switched on after enrollment (a brace prescribed at the first visit): its start-up
    text (how to wear the brace) went out to nobody, so it is sent now, on the next local day with
    room for it (at most 3 texts a day), from 09:00."""
    from datetime import time, timedelta

    from sqlalchemy import select

    from bot import fatigue
    from bot.db import bulk_insert
    from bot.models import Outbox
    from bot.outbox import rows
    from bot.pathway_model import applies
    from bot.timeutil import local_to_utc, next_allowed, utc_to_local

    pathway = rt.library.pathways.get(enrollment.pathway)
    if pathway is None or pathway.startup is None:
        return
    today = (utc_to_local(now, enrollment.timezone).date() - enrollment.surgery_date).days
    for entry in pathway.startup.texts:
        if not entry.when or not applies(entry.when, after):
            continue
        key = f"e{enrollment.id}:option-{entry.message}"
        existing = session.execute(select(Outbox.id, Outbox.status, Outbox.due_at).where(Outbox.key == key)).first()
        if existing is not None:
            # Re-planning cancelled it (this or another option changed); still to come: back it comes.
            if existing.status == "cancelled" and existing.due_at > now:
                rows.revive(session, [existing.id])
            continue  # told once is enough
        if applies(entry.when, before):
            continue  # the option was on already: the start-up bundle carried it
        if entry.until_day is not None and today > entry.until_day:
            continue
        due = next_allowed(now + timedelta(minutes=1), enrollment.timezone, rt.config["QUIET_HOURS"])
        for _ in range(7):
            if not fatigue.day_is_full(session, enrollment, due):
                break
            next_day = utc_to_local(due, enrollment.timezone).date() + timedelta(days=1)
            due = local_to_utc(next_day, time(9, 0), enrollment.timezone)
        day = (utc_to_local(due, enrollment.timezone).date() - enrollment.surgery_date).days
        bulk_insert(session, Outbox, [rows.programme_row(key, enrollment.id, enrollment.phone,
                                                         f"option-{entry.message}", day, entry.message,
                                                         None, due, now)])
        session.flush()
