"""The coordinators of the signed-in user's clinic (everyone sees; admins add, edit and remove)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from bot import coordinators
from bot.clinics import own_clinic
from bot.models import Clinic, Coordinator
from bot.web import db, rt
from bot.web.auth import admin_required
from bot.web.dashboard.common import bp

FIELDS = ("name", "phone", "email", "on_call_rank")


def user_clinic() -> Clinic:
    return own_clinic(db(), current_user.clinic_id, rt().settings)


def _submit(save) -> tuple[dict, list[str], Coordinator | None]:
    """The form as typed, and what `save(session, checked)` made of it: the saved coordinator
    (committed), or the errors to show above the form again (nothing written)."""
    values = {f: request.form.get(f, "") for f in FIELDS}
    rank = values["on_call_rank"].strip()
    data = dict(values, on_call_rank=int(rank) if rank.isdigit() and len(rank) < 3 else (rank or None))
    session = db()
    try:
        saved = save(session, coordinators.validate(data, rt().settings.default_phone_region))
    except coordinators.CoordinatorError as e:
        session.rollback()
        return values, e.errors, None
    session.commit()
    return values, [], saved


@bp.route("/coordinators", methods=["GET", "POST"])
@login_required
def coordinator_list():
    clinic = user_clinic()
    errors: list[str] = []
    values = {f: "" for f in FIELDS}
    if request.method == "POST":
        if not current_user.is_admin:
            abort(403)
        values, errors, added = _submit(lambda session, new: coordinators.add(session, clinic, new,
                                                                              current_user.actor))
        if added:
            flash(f"{added.name} is on {clinic.name}'s ladder.", "ok")
            return redirect(url_for("dashboard.coordinator_list"))
    people = coordinators.of_clinic(db(), clinic.id)
    return render_template("coordinators.html", clinic=clinic, people=people, errors=errors,
                           values=values), 400 if errors else 200


def _mine(coordinator_id: int) -> Coordinator:
    found = db().get(Coordinator, coordinator_id)
    if found is None or not found.active or found.clinic_id != user_clinic().id:
        abort(404)
    return found


@bp.route("/coordinators/<int:coordinator_id>", methods=["GET", "POST"])
@admin_required
def coordinator_edit(coordinator_id: int):
    person = _mine(coordinator_id)
    errors: list[str] = []
    values = {"name": person.name, "phone": person.phone, "email": person.email,
              "on_call_rank": person.on_call_rank or ""}
    if request.method == "POST":
        values, errors, saved = _submit(lambda session, new: coordinators.edit(session, person, new,
                                                                               current_user.actor))
        if saved:
            flash(f"{saved.name} is saved.", "ok")
            return redirect(url_for("dashboard.coordinator_list"))
    return render_template("coordinator_edit.html", person=person, values=values, errors=errors), \
        400 if errors else 200


@bp.post("/coordinators/<int:coordinator_id>/remove")
@admin_required
def coordinator_remove(coordinator_id: int):
    session = db()
    person = _mine(coordinator_id)
    coordinators.remove(session, person, current_user.actor)
    session.commit()
    flash(f"{person.name} is removed: never paged again, and off every shift.", "ok")
    return redirect(url_for("dashboard.coordinator_list"))
