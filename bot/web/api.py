"""JSON API for EHR integrations and scripts: enrollments and escalations (coordinators in
`api_coordinators`).

Phone numbers are masked in every answer unless the caller asks (`?phones=full`) with a token
whose scopes allow it (`phones:read`; the deployment's own API_TOKEN has every scope)."""
from __future__ import annotations

import hmac
from functools import wraps

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot import accounts, escalation, option_changes, options
from bot import enrollment as enrollments
from bot.clinics import in_clinic
from bot.models import Enrollment, Escalation, OptOut
from bot.phones import mask_phone
from bot.timeutil import utcnow
from bot.web import db, rt
from bot.web.inputs import json_object

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PHONES_READ = "phones:read"
ALL_SCOPES = frozenset({PHONES_READ})


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.startswith("Bearer ") else ""
        if not token:
            return _error(401, ["Authorization: send 'Bearer <API token>'"])
        configured = rt().settings.api_token
        if configured and hmac.compare_digest(token.encode(), configured.encode()):
            g.api_actor, g.api_clinic, g.api_scopes = "api:API_TOKEN", None, ALL_SCOPES
        else:
            row = accounts.token_row(db(), token)
            if row is None:
                return _error(401, ["Authorization: unknown API token"])
            g.api_actor, g.api_clinic = f"api:{row.label}", row.clinic_id
            g.api_scopes = frozenset((row.scopes or "").split())
        if request.args.get("phones") not in (None, "masked", "full"):
            return _error(400, ["phones: 'masked' (the default) or 'full'"])
        if request.args.get("phones") == "full" and PHONES_READ not in g.api_scopes:
            return _error(403, [f"phones: this token may not read phone numbers (needs the {PHONES_READ} scope)"])
        return view(*args, **kwargs)
    return wrapper


def show_phones() -> bool:
    return request.args.get("phones") == "full"  # token_required checked the scope


def _error(status: int, errors: list[str]):
    return jsonify(errors=errors), status


@bp.errorhandler(enrollments.EnrollmentError)
def _enrollment_error(e: enrollments.EnrollmentError):
    db().rollback()
    return _error(e.status, e.errors)


def _visible(query, model=Enrollment):
    """A clinic's token sees its clinic's rows (bot.clinics.in_clinic, as the dashboard); the
    deployment's API_TOKEN sees every clinic's."""
    return query if g.api_clinic is None else query.where(in_clinic(model, g.api_clinic))


def _describe(session, rows: list[Enrollment]) -> list[dict]:
    opted = set(session.scalars(select(OptOut.phone).where(OptOut.phone.in_([r.phone for r in rows]))))
    shown = show_phones()
    return [enrollments.describe(r, r.phone in opted) | ({} if shown else {"phone": mask_phone(r.phone)})
            for r in rows]


@bp.post("/enrollments")
@token_required
def create_enrollment():
    data = json_object(", ".join(enrollments.FIELDS))
    session = db()
    patient = enrollments.validate(data, rt())
    try:
        enrollment = enrollments.create(session, rt(), patient, g.api_actor, utcnow(), g.api_clinic)
        session.commit()
    except IntegrityError:
        # Two identical requests at once: both passed the "already enrolled?" check, the database's
        # one-live-enrollment-per-phone index let one through.
        session.rollback()
        return _error(409, ["phone: already enrolled"])
    return jsonify(_describe(session, [enrollment])[0]), 201


@bp.get("/enrollments")
@token_required
def list_enrollments():
    session = db()
    query = _visible(select(Enrollment).order_by(Enrollment.id))
    if status := request.args.get("status"):
        query = query.where(Enrollment.status == status)
    return jsonify(enrollments=_describe(session, list(session.scalars(query))))


def _get(enrollment_id: int) -> Enrollment:
    found = db().scalars(_visible(select(Enrollment).where(Enrollment.id == enrollment_id))).first()
    if found is None:
        raise enrollments.EnrollmentError([f"enrollment {enrollment_id}: not found"], status=404)
    return found


@bp.get("/enrollments/<int:enrollment_id>")
@token_required
def get_enrollment(enrollment_id: int):
    return jsonify(_describe(db(), [_get(enrollment_id)])[0])


@bp.post("/enrollments/<int:enrollment_id>/options")
@token_required
def change_options(enrollment_id: int):
    """Change a patient's options (brace, hip_graft, approach, lifting_limit_lb, sitting_limit_min)."""
    data = json_object(", ".join(options.OPTION_FIELDS))
    session = db()
    enrollment = _get(enrollment_id)
    option_changes.change(session, rt(), enrollment, data, g.api_actor, utcnow())
    session.commit()
    return jsonify(_describe(session, [enrollment])[0])


@bp.post("/enrollments/<int:enrollment_id>/<action>")
@token_required
def change_enrollment(enrollment_id: int, action: str):
    session = db()
    enrollment = _get(enrollment_id)
    enrollments.change(session, rt(), enrollment, action, g.api_actor, utcnow())
    session.commit()
    return jsonify(_describe(session, [enrollment])[0])


def _escalation(escalation_id: int) -> Escalation:
    found = db().scalars(_visible(select(Escalation).where(Escalation.id == escalation_id), Escalation)).first()
    if found is None:
        raise enrollments.EnrollmentError([f"escalation {escalation_id}: not found"], status=404)
    return found


@bp.get("/escalations")
@token_required
def list_escalations():
    query = _visible(select(Escalation).order_by(Escalation.created_at), Escalation)
    if status := request.args.get("status"):
        query = query.where(Escalation.status == status)
    now = utcnow()
    return jsonify(escalations=[escalation.describe(e, now) for e in db().scalars(query)])


@bp.post("/escalations/<int:escalation_id>/ack", defaults={"action": "ack"})
@bp.post("/escalations/<int:escalation_id>/resolve", defaults={"action": "resolve"})
@token_required
def change_escalation(escalation_id: int, action: str):
    """Acknowledge or resolve: the JSON body names the person (`by`), since an escalation ends only
    with a named human; `resolve` also needs a `note`."""
    data = json_object("by" + (", note" if action == "resolve" else ""))
    by, note = data.get("by", ""), data.get("note", "")
    if not isinstance(by, str) or not by.strip():
        return _error(400, ["by: the name of the person acknowledging is required, as text"])
    if not isinstance(note, str):
        return _error(400, ["note: must be text"])
    by = by.strip()
    session = db()
    found = _escalation(escalation_id)
    actor = f"{by[:100]} (via {g.api_actor})"
    try:
        if action == "ack":
            escalation.acknowledge(session, found, actor, utcnow())
        else:
            escalation.resolve(session, found, actor, note, utcnow())
    except escalation.EscalationError as e:
        session.rollback()
        return _error(409, [str(e)])
    session.commit()
    return jsonify(escalation.describe(found, utcnow()))
