"""API: a clinic's coordinators (who its red flags page). A clinic token sees and adds its own
clinic's; the deployment's API_TOKEN works on the default clinic (CLINIC_NAME)."""
from __future__ import annotations

from flask import g, jsonify

from bot import coordinators
from bot.clinics import own_clinic
from bot.models import Clinic
from bot.web import db, rt
from bot.web.api import _error, bp, show_phones, token_required
from bot.web.inputs import json_object


def _clinic() -> Clinic:
    return own_clinic(db(), g.api_clinic, rt().settings)


@bp.get("/coordinators")
@token_required
def list_coordinators():
    shown = show_phones()
    return jsonify(coordinators=[coordinators.describe(c, shown) for c in coordinators.of_clinic(db(), _clinic().id)])


@bp.post("/coordinators")
@token_required
def add_coordinator():
    data = json_object("name, phone, email[, on_call_rank]")
    session = db()
    try:
        new = coordinators.validate(data, rt().settings.default_phone_region)
        coordinator = coordinators.add(session, _clinic(), new, g.api_actor)
    except coordinators.CoordinatorError as e:
        session.rollback()
        return _error(409 if any("already exists" in m for m in e.errors) else 400, e.errors)
    session.commit()
    return jsonify(coordinators.describe(coordinator, show_phones())), 201
