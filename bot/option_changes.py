"""Changing a patient's options after enrollment (the API, the patient page): the texts still to
come are planned again, and a start-up text for an option switched on late goes out now."""
from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from bot import fatigue, options, planner
from bot.audit import record
from bot.db import bulk_insert
from bot.enrollment import EnrollmentError
from bot.messages import settings_for
from bot.models import Outbox
from bot.outbox import Status, rows
from bot.pathway_model import applies
from bot.startup import bundle
from bot.timeutil import local_to_utc, next_allowed, utc_to_local
from bot.vocabulary import EnrollmentStatus


def change(session, rt, enrollment, raw: dict, actor: str, now) -> dict:
    """Set the options given in `raw` (a missing one is left as it is, an empty one goes back to the
    team's default) and re-plan the texts still to come, so a text for an option the patient no longer
    has is cancelled and one for a new option is planned. Returns the options now in force."""
    unknown = sorted(set(raw) - set(options.OPTION_FIELDS))
    errors: list[str] = [f"unknown option(s): {', '.join(unknown)}"] if unknown else []
    given = {k: str(options.as_text(v)).strip() for k, v in raw.items() if k in options.OPTION_FIELDS and v is not None}
    clean: dict = {}
    options.validate(given, clean, errors)
    if errors:
        raise EnrollmentError(errors)
    before = settings_for(rt.library, enrollment)
    in_force = {k: v for k, v in (enrollment.options or {}).items() if k not in given}
    in_force.update(clean["options"])
    enrollment.options = in_force
    if enrollment.status == EnrollmentStatus.ACTIVE:
        # Cancel what is planned and plan again: rows whose step still applies come back (the planner
        # revives cancelled rows with the same key), the others stay cancelled.
        rows.cancel_future(session, enrollment_id=enrollment.id)
        planner.plan(session, rt, enrollment, now)
        _late_start_up_texts(session, rt, enrollment, before, settings_for(rt.library, enrollment), now)
    record(session, actor, "options", f"enrollment:{enrollment.id}", options.describe(in_force))
    return in_force


def _late_start_up_texts(session, rt, enrollment, before: dict, after: dict, now) -> None:
    """An option switched on after enrollment (a brace prescribed at the first visit): its start-up
    text (how to wear the brace) went out to nobody, so it is sent now, on the next local day with
    room for it (at most 3 texts a day), from 09:00."""
    pathway = rt.library.pathways.get(enrollment.pathway)
    if pathway is None or pathway.startup is None:
        return
    today = (utc_to_local(now, enrollment.timezone).date() - enrollment.surgery_date).days
    # Inside the start-up weeks the bundle, placed again with the new options, may queue the text
    # itself on a later day: then it is the bundle's to send (two rows would send it twice).
    queued = {step.message for step, _day, due in bundle(pathway, after, enrollment.surgery_date, enrollment.timezone,
                                                          enrollment.created_at, rt.settings.quiet_hours).texts
              if due > now}
    for entry in pathway.startup.texts:
        if not entry.when or not applies(entry.when, after):
            continue
        key = f"e{enrollment.id}:option-{entry.message}"
        existing = session.execute(select(Outbox.id, Outbox.status, Outbox.due_at).where(Outbox.key == key)).first()
        if existing is not None:
            # Re-planning cancelled it (this or another option changed); still to come: back it comes.
            if existing.status == Status.CANCELLED and existing.due_at > now:
                rows.revive(session, [existing.id])
            continue  # told once is enough
        if applies(entry.when, before) or entry.message in queued:
            continue  # the option was on already (the bundle carried it), or the bundle will carry it
        if entry.until_day is not None and today > entry.until_day:
            continue
        due = next_allowed(now + timedelta(minutes=1), enrollment.timezone, rt.settings.quiet_hours)
        for _ in range(7):
            if not fatigue.day_is_full(session, enrollment, due):
                break
            next_day = utc_to_local(due, enrollment.timezone).date() + timedelta(days=1)
            due = local_to_utc(next_day, time(9, 0), enrollment.timezone)
        day = (utc_to_local(due, enrollment.timezone).date() - enrollment.surgery_date).days
        bulk_insert(session, Outbox, [rows.pathway_row(key, enrollment.id, enrollment.phone,
                                                         f"option-{entry.message}", day, entry.message,
                                                         None, due, now)])
        session.flush()
