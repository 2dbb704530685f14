"""The on-call schedule of the user's clinic: who is on call now, the weekly shifts (each an ordered
ladder, in the clinic's time zone), one-off overrides, and the clinic's time zone. Everyone sees it;
admins change it (bot/oncall.py checks every change)."""
from __future__ import annotations

from zoneinfo import available_timezones

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from bot import coordinators, oncall, page_calls
from bot.audit import record
from bot.escalation import ladder
from bot.models import OnCallOverride, OnCallShift
from bot.timeutil import utcnow
from bot.triage.result import Tier
from bot.web import db, rt
from bot.web.auth import admin_required
from bot.web.dashboard.common import bp, clinic_zone_name
from bot.web.dashboard.coordinators import user_clinic


@bp.get("/oncall", endpoint="oncall")
@login_required
def oncall_view():
    return oncall_page()


def oncall_page(errors: list[str] | None = None, status: int = 200):
    session = db()
    clinic = user_clinic()
    now = utcnow()
    people = coordinators.of_clinic(session, clinic.id)
    names = {c.id: c.name for c in people}
    shifts = session.scalars(select(OnCallShift).where(OnCallShift.clinic_id == clinic.id)
                             .order_by(OnCallShift.id)).all()
    overrides = session.scalars(select(OnCallOverride).where(OnCallOverride.clinic_id == clinic.id,
                                                             OnCallOverride.ends_at > now)
                                .order_by(OnCallOverride.starts_at)).all()
    return render_template("oncall.html", clinic=clinic, now_on_call=ladder(session, clinic.id, rt().settings, now),
                           people=people, names=names, shifts=shifts, overrides=overrides, errors=errors or [],
                           days=oncall.DAY_NAMES, days_label=oncall.days_label,
                           call_tiers=page_calls.tiers_for(clinic),
                           call_problems=page_calls.unavailable(rt().settings),
                           zones=sorted(z for z in available_timezones() if z.startswith(("America/", "Pacific/")))
                           ), status


def _done(message: str):
    db().commit()
    flash(message, "ok")
    return redirect(url_for("dashboard.oncall"))


def _ladder_form() -> list[str]:
    return [request.form.get(f"ladder{i}", "") for i in range(1, 4)]


@bp.post("/oncall/shifts")
@admin_required
def oncall_add_shift():
    data = {"name": request.form.get("name", ""), "days": "".join(request.form.getlist("days")),
            "starts": request.form.get("starts", ""), "ends": request.form.get("ends", ""), "ladder": _ladder_form()}
    try:
        shift = oncall.add_shift(db(), user_clinic(), data, current_user.actor)
    except oncall.OnCallError as e:
        db().rollback()
        return oncall_page(e.errors, 400)
    return _done(f"Shift {shift.name!r} added.")


@bp.post("/oncall/overrides")
@admin_required
def oncall_add_override():
    data = {"starts": request.form.get("starts", ""), "ends": request.form.get("ends", ""),
            "ladder": _ladder_form(), "note": request.form.get("note", "")}
    try:
        oncall.add_override(db(), user_clinic(), clinic_zone_name(), data, current_user.actor)
    except oncall.OnCallError as e:
        db().rollback()
        return oncall_page(e.errors, 400)
    return _done("Override added.")


@bp.post("/oncall/<kind>/<int:row_id>/remove")
@admin_required
def oncall_remove(kind: str, row_id: int):
    row: OnCallShift | OnCallOverride | None = None
    if kind == "shifts":
        row = db().get(OnCallShift, row_id)
    elif kind == "overrides":
        row = db().get(OnCallOverride, row_id)
    if row is None or row.clinic_id != user_clinic().id:
        abort(404)
    db().delete(row)
    record(db(), current_user.actor, f"oncall_{kind[:-1]}_removed", f"oncall_{kind[:-1]}:{row_id}")
    return _done("Removed.")


@bp.post("/oncall/timezone")
@admin_required
def oncall_timezone():
    zone = request.form.get("timezone", "").strip()
    if zone not in available_timezones():
        return oncall_page([f"timezone: {zone!r} is not an IANA time zone such as America/Chicago"], 400)
    clinic = user_clinic()
    clinic.settings = {**(clinic.settings or {}), "timezone": zone}  # a new dict: JSON columns track assignment
    record(db(), current_user.actor, "clinic_timezone_set", f"clinic:{clinic.id}", {"timezone": zone})
    return _done(f"{clinic.name} now reads times in {zone}.")


@bp.post("/oncall/calls")
@admin_required
def oncall_calls():
    tiers = [t.value for t in (Tier.EMERGENCY, Tier.URGENT) if t in request.form.getlist("tiers")]
    clinic = user_clinic()
    clinic.settings = {**(clinic.settings or {}), "page_calls": tiers}
    record(db(), current_user.actor, "page_calls_set", f"clinic:{clinic.id}", {"tiers": tiers})
    return _done(f"Paging calls: {', '.join(tiers) or 'none'}.")
