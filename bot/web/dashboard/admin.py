"""Enrolling (form and CSV), the review queue, and the admin pages: audit log and API tokens."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import String, cast, literal, or_, select
from sqlalchemy.exc import IntegrityError

from bot import enrollment as enrollments
from bot.accounts import create_token
from bot.audit import record
from bot.clinics import default_clinic, own_clinic
from bot.models import ApiToken, AuditLog, Enrollment, Escalation, Inbound, ReviewItem, User
from bot.timeutil import utcnow
from bot.web import db, rt
from bot.web.auth import admin_required
from bot.web.dashboard.common import bp, clinic_filter, clinic_zone_name
from bot.web.dashboard.patient import oneoff_problem, queue_oneoff

AUDIT_PAGE = 200
REVIEW_LIMIT = 500


def _form_context(values: dict | None = None, errors: list[str] | None = None) -> dict:
    library = rt().library
    return {"values": values or {"timezone": clinic_zone_name(), "language": library.languages[0],
                                 "pathway": "lumbar-fusion"},
            "errors": errors or [], "languages": library.languages, "pathways": sorted(library.pathways),
            "csv_errors": [], "fields": enrollments.ALL_FIELDS}


@bp.route("/enroll", methods=["GET", "POST"])
@login_required
def enroll():
    if request.method == "GET":
        return render_template("enroll.html", **_form_context())
    values = {f: request.form.get(f, "") for f in enrollments.ALL_FIELDS}
    session = db()
    try:
        patient = enrollments.validate(values, rt())
        created = enrollments.create(session, rt(), patient, current_user.actor, utcnow(), current_user.clinic_id)
        session.commit()
    except enrollments.EnrollmentError as e:
        session.rollback()
        return render_template("enroll.html", **_form_context(values, e.errors)), e.status
    except IntegrityError:  # the same patient enrolled at this very moment by someone else
        session.rollback()
        return render_template("enroll.html", **_form_context(values, ["phone: already enrolled"])), 409
    flash(f"{created.first_name} {created.last_name} is enrolled (#{created.id}); the first text is planned.", "ok")
    return redirect(url_for("dashboard.patient", enrollment_id=created.id))


@bp.post("/enroll/csv")
@login_required
def enroll_csv():
    upload = request.files.get("file")
    context = _form_context()
    if upload is None or not upload.filename:
        context["csv_errors"] = ["file: choose a CSV file"]
        return render_template("enroll.html", **context), 400
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        context["csv_errors"] = ["file: not UTF-8 text (save it from your spreadsheet as CSV UTF-8)"]
        return render_template("enroll.html", **context), 400
    session = db()
    try:
        created, skipped = enrollments.import_csv(session, rt(), text, current_user.actor, utcnow(),
                                                  current_user.clinic_id)
        session.commit()
    except enrollments.EnrollmentError as e:
        session.rollback()
        context["csv_errors"] = e.errors
        return render_template("enroll.html", **context), 400
    flash(f"Imported {len(created)} patient(s); {skipped} already enrolled and skipped.", "ok")
    return redirect(url_for("dashboard.roster"))


def _review_scope():
    # An item with no patient (a text from an unknown number) is the default clinic's, as its
    # escalation is when it runs late (bot.review.page_overdue): no other clinic reads a stranger's text.
    mine = clinic_filter()
    session, settings = db(), rt().settings
    if own_clinic(session, current_user.clinic_id, settings).id == default_clinic(session, settings).id:
        mine = or_(ReviewItem.enrollment_id.is_(None), mine)
    return (select(ReviewItem, Enrollment, Inbound)
            .outerjoin(Enrollment, Enrollment.id == ReviewItem.enrollment_id)
            .outerjoin(Inbound, Inbound.id == ReviewItem.inbound_id)
            .where(mine))


@bp.get("/review")
@login_required
def review():
    # Soonest deadline first: a late item is at the top, shown as late, whatever its age.
    rows = db().execute(_review_scope().where(ReviewItem.resolved_at.is_(None))
                        .order_by(ReviewItem.due_at.is_(None), ReviewItem.due_at, ReviewItem.created_at)
                        .limit(REVIEW_LIMIT)).all()
    return render_template("review.html", rows=rows)


@bp.post("/review/<int:item_id>/resolve")
@login_required
def review_resolve(item_id: int):
    session = db()
    row = session.execute(_review_scope().where(ReviewItem.id == item_id)).first()
    if row is None:
        return render_template("error.html", title="Not found", message="No such review item."), 404
    item, enrollment = row[0], row[1]
    if item.resolved_at is not None:
        return redirect(url_for("dashboard.review"))
    answer = request.form.get("answer", "").strip()
    note = request.form.get("note", "").strip()[:2000]
    if "answer" in request.form:  # "Send reply": the answer goes to the patient through the outbox
        problem = "This message has no patient to answer." if enrollment is None else (
            oneoff_problem(session, enrollment, answer))
        if problem:
            flash(problem, "error")
            return redirect(url_for("dashboard.review"))
        item.answer_outbox_id = queue_oneoff(session, enrollment, answer).id
        note = f"Answered: {answer}"
    item.resolved_at, item.resolved_by, item.resolution_note = utcnow(), current_user.name, note or None
    record(session, current_user.actor, "review_resolved", f"review:{item.id}",
           {"reason": item.reason, "answered": item.answer_outbox_id is not None, "note": bool(note)})
    session.commit()
    flash("Reply queued to the patient; item closed." if item.answer_outbox_id else "Marked as reviewed.", "ok")
    return redirect(url_for("dashboard.review"))


def _audit_scope():
    """What an admin may read: entries about their clinic's patients and escalations, and their
    clinic's users' own actions (logins included)."""
    clinic_patients = select(literal("enrollment:") + cast(Enrollment.id, String)).where(clinic_filter())
    clinic_escalations = select(literal("escalation:") + cast(Escalation.id, String)).where(clinic_filter(Escalation))
    users = select(User).where(clinic_filter(User))
    user_subjects = select(literal("user:") + cast(User.id, String)).where(clinic_filter(User))
    actors = [f"{u.name} <{u.email}>" for u in db().scalars(users)] + [u.name for u in db().scalars(users)]
    return select(AuditLog).where(or_(AuditLog.subject.in_(clinic_patients), AuditLog.subject.in_(clinic_escalations),
                                      AuditLog.subject.in_(user_subjects), AuditLog.actor.in_(actors)))


@bp.get("/audit")
@admin_required
def audit():
    before = request.args.get("before", type=int)
    query = _audit_scope().order_by(AuditLog.id.desc()).limit(AUDIT_PAGE)
    if before:
        query = query.where(AuditLog.id < before)
    entries = list(db().scalars(query))
    return render_template("audit.html", entries=entries, more=len(entries) == AUDIT_PAGE)


@bp.route("/tokens", methods=["GET", "POST"])
@admin_required
def tokens():
    session = db()
    new_token = None
    if request.method == "POST":
        label = request.form.get("label", "").strip()[:100]
        if not label:
            flash("Give the token a label (which system uses it).", "error")
        else:
            scopes = "phones:read" if request.form.get("phones") == "read" else ""
            new_token = create_token(session, current_user.clinic_id, label, current_user.actor, scopes)
            session.commit()
    rows = list(session.scalars(select(ApiToken).where(clinic_filter(ApiToken))
                                .order_by(ApiToken.created_at.desc())))
    return render_template("tokens.html", tokens=rows, new_token=new_token)


@bp.post("/tokens/<int:token_id>/revoke")
@admin_required
def revoke_token(token_id: int):
    session = db()
    token = session.scalars(select(ApiToken).where(ApiToken.id == token_id,
                                                   clinic_filter(ApiToken))).first()
    if token is not None:
        record(session, current_user.actor, "api_token_revoked", f"token:{token.id}", {"label": token.label})
        session.delete(token)
        session.commit()
        flash(f"Token {token.label!r} revoked.", "ok")
    return redirect(url_for("dashboard.tokens"))

