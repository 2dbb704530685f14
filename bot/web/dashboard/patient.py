"""One patient: the conversation, the pathway, pain over time, and what a coordinator can do."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import and_, or_, select

from bot import enrollment as enrollments
from bot import option_changes, options
from bot.audit import record
from bot.messages import settings_for
from bot.models import Enrollment, Escalation, Inbound, Observation, OptOut, Outbox, ReviewItem
from bot.outbox import rows as outbox_rows
from bot.outbox.states import LIVE, Kind, Status
from bot.timeutil import local_today, utcnow
from bot.web import db, rt
from bot.web.dashboard.common import bp, get_patient, pain_chart, pain_value

THREAD_LIMIT = 300
ONEOFF_MAX = 640  # four SMS segments: enough for a note, short enough to read on a phone
SHOWN = (Status.SENDING, Status.SENT, Status.DELIVERED, Status.UNDELIVERED, Status.FAILED)


@dataclass
class Message:
    at: datetime
    direction: str  # out | in
    body: str
    status: str
    kind: str
    note: str = ""


def thread(session, enrollment_id: int) -> list[Message]:
    # A coordinator's own text shows at once, queued; pages and calls went to coordinators, not her.
    shown = or_(Outbox.status.in_(SHOWN), and_(Outbox.kind == Kind.ONEOFF, Outbox.status.in_(LIVE)))
    out = session.scalars(select(Outbox).where(Outbox.enrollment_id == enrollment_id, shown,
                                               Outbox.kind.not_in(("page", "call")))
                          .order_by(Outbox.sent_at.desc(), Outbox.id.desc()).limit(THREAD_LIMIT))
    inbound = session.scalars(select(Inbound).where(Inbound.enrollment_id == enrollment_id)
                              .order_by(Inbound.received_at.desc()).limit(THREAD_LIMIT))
    messages = [Message(o.sent_at or o.due_at, "out", o.body or "", o.status, o.kind,
                        o.error_message or "") for o in out]
    messages += [Message(i.received_at, "in", i.body, i.tier or "", i.handled_as or "",
                         ", ".join(i.flags or [])) for i in inbound]
    messages.sort(key=lambda m: m.at)
    return messages[-THREAD_LIMIT:]


@bp.get("/patients/<int:enrollment_id>")
@login_required
def patient(enrollment_id: int):
    session = db()
    enrollment = get_patient(enrollment_id)
    planned = list(session.scalars(select(Outbox).where(Outbox.enrollment_id == enrollment_id,
                                                          Outbox.kind == Kind.PATHWAY).order_by(Outbox.due_at)))
    pains = [(o.observed_at, v) for o in session.scalars(
        select(Observation).where(Observation.enrollment_id == enrollment_id, Observation.kind == "pain")
        .order_by(Observation.observed_at)) if (v := pain_value(o.value)) is not None]
    escalations = list(session.scalars(select(Escalation).where(Escalation.enrollment_id == enrollment_id)
                                       .order_by(Escalation.created_at.desc())))
    reviews = list(session.scalars(select(ReviewItem).where(ReviewItem.enrollment_id == enrollment_id,
                                                            ReviewItem.resolved_at.is_(None))))
    opted_out = session.get(OptOut, enrollment.phone)
    return render_template("patient.html", e=enrollment, messages=thread(session, enrollment_id),
                           planned=planned, chart=pain_chart(pains), escalations=escalations,
                           reviews=reviews, opted_out=opted_out, oneoff_max=ONEOFF_MAX,
                           day=(local_today(enrollment.timezone) - enrollment.surgery_date).days,
                           options=options_view(enrollment), scores=scores_view(session, enrollment_id))


def scores_view(session, enrollment_id: int) -> dict:
    """PEG-3 charted like pain (both 0-10), PHQ-2 as a list with the positive ones marked."""
    found: dict[str, list[tuple[datetime, float]]] = {"peg": [], "phq2": []}
    for o in session.scalars(select(Observation).where(Observation.enrollment_id == enrollment_id,
                                                       Observation.kind.in_(found)).order_by(Observation.observed_at)):
        found[o.kind].append((o.observed_at, float(o.value)))
    chart = pain_chart(found["peg"]) if found["peg"] else Markup('<p class="muted">No PEG-3 yet.</p>')
    return {"peg_chart": chart, "phq2": found["phq2"]}


def options_view(enrollment: Enrollment) -> dict:
    """The patient's options and what is in force for each (theirs, or the team's default)."""
    in_force = settings_for(rt().library, enrollment)
    return {"own": options.describe(enrollment.options),
            "in_force": {name: in_force.get(name) for name in options.OPTION_FIELDS},
            "approaches": options.APPROACHES}


@bp.post("/patients/<int:enrollment_id>/<action>")
@login_required
def change(enrollment_id: int, action: str):
    """Pause, resume, unenroll, or save the patient's options; back to their page, saying what happened."""
    session = db()
    enrollment = get_patient(enrollment_id)
    try:
        if action == "options":
            values = {f: request.form.get(f, "") for f in options.OPTION_FIELDS}
            option_changes.change(session, rt(), enrollment, values, current_user.actor, utcnow())
            done = f"Options for {enrollment.first_name} saved; the texts still to come follow them."
        elif action in enrollments.ACTIONS:
            enrollments.change(session, rt(), enrollment, action, current_user.actor, utcnow())
            done = f"{enrollment.first_name} is now {enrollment.status}."
        else:
            abort(404)
    except enrollments.EnrollmentError as e:
        session.rollback()
        for error in e.errors:
            flash(error, "error")
    else:
        session.commit()
        flash(done, "ok")
    return redirect(url_for("dashboard.patient", enrollment_id=enrollment_id))


@bp.post("/patients/<int:enrollment_id>/text")
@login_required
def send_text(enrollment_id: int):
    session = db()
    enrollment = get_patient(enrollment_id)
    body = request.form.get("body", "").strip()
    problem = oneoff_problem(session, enrollment, body)
    if problem:
        flash(problem, "error")
        return redirect(url_for("dashboard.patient", enrollment_id=enrollment_id))
    queue_oneoff(session, enrollment, body)
    session.commit()
    flash("Text queued: it goes out with the next send (held until morning in the patient's quiet hours).", "ok")
    return redirect(url_for("dashboard.patient", enrollment_id=enrollment_id))


def oneoff_problem(session, enrollment: Enrollment, body: str) -> str | None:
    """Why a coordinator's text cannot go to this patient, or None (the patient page and the review
    queue's answer both ask here)."""
    problem = None
    if not body:
        problem = "Write the text first."
    elif len(body) > ONEOFF_MAX:
        problem = f"At most {ONEOFF_MAX} characters (this one has {len(body)})."
    elif session.get(OptOut, enrollment.phone) is not None:
        problem = "This patient texted STOP: they cannot be texted until they send START. Call them instead."
    elif enrollment.status not in enrollments.LIVE:
        problem = f"This patient is {enrollment.status}; texts go to enrolled patients only."
    elif enrollment.phone_problem:
        problem = f"The number cannot receive texts ({enrollment.phone_problem}). Fix it or call."
    return problem


def queue_oneoff(session, enrollment: Enrollment, body: str):
    """The text goes through the outbox like every other: recorded, tracked, shown in the thread."""
    row = outbox_rows.oneoff(enrollment.id, enrollment.phone, body, utcnow())
    session.add(row)
    session.flush()
    record(session, current_user.actor, "oneoff_text", f"enrollment:{enrollment.id}",
           {"outbox_id": row.id, "chars": len(body)})
    return row
