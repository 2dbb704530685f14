"""The on-call ladder of the signed-in user's clinic: who its red flags page, in which order."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from bot import coordinators
from bot.clinics import default_clinic
from bot.models import Clinic
from bot.web import db, rt
from bot.web.auth import admin_required
from bot.web.dashboard.common import bp

FIELDS = ("name", "phone", "email", "on_call_rank")


def _clinic() -> Clinic:
    session = db()
    if current_user.clinic_id is not None:
        return session.get(Clinic, current_user.clinic_id)
    return default_clinic(session, rt().config)


@bp.route("/coordinators", methods=["GET", "POST"])
@admin_required
def coordinator_list():
    session = db()
    clinic = _clinic()
    errors: list[str] = []
    values = {f: request.form.get(f, "") for f in FIELDS}
    if request.method == "POST":
        rank = values["on_call_rank"].strip()
        data = dict(values, on_call_rank=int(rank) if rank.isdigit() and len(rank) < 3 else (rank or None))
        try:
            coordinator = coordinators.add(session, clinic, coordinators.validate(
                data, rt().config["DEFAULT_PHONE_REGION"]), current_user.actor)
            session.commit()
            flash(f"{coordinator.name} is on {clinic.name}'s ladder.", "ok")
            return redirect(url_for("dashboard.coordinator_list"))
        except coordinators.CoordinatorError as e:
            session.rollback()
            errors = e.errors
    people = [coordinators.describe(c) for c in coordinators.of_clinic(session, clinic.id)]
    return render_template("coordinators.html", clinic=clinic, people=people, errors=errors,
                           values=values), 400 if errors else 200
