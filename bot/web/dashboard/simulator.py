"""The phone simulator (simulator transport only): what a patient's phone received, and a box to
reply as the patient. Replies go through the same `inbound.receive` as Twilio's webhook."""
from __future__ import annotations

import uuid
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy import select

from bot import dispatch, inbound
from bot.models import Enrollment, Inbound, OptOut, Outbox
from bot.outbox import lifecycle
from bot.outbox.states import ASKED, Status
from bot.timeutil import utcnow
from bot.vocabulary import LIVE_ENROLLMENT
from bot.web import db, rt
from bot.web.dashboard.common import bp, get_patient, visible_enrollments
from bot.web.dashboard.sim_coordinators import coordinator_phones

REPLY_MAX = 1600  # Twilio's own limit for one inbound message


def _require_simulator() -> None:
    if not rt().transport.simulated:
        abort(404)


@bp.get("/simulator")
@login_required
def simulator():
    _require_simulator()
    session = db()
    patients = list(session.scalars(visible_enrollments().where(Enrollment.status.in_(LIVE_ENROLLMENT))
                                    .order_by(Enrollment.id.desc()).limit(500)))
    chosen = request.args.get("patient", type=int)
    enrollment = get_patient(chosen) if chosen else (patients[0] if patients else None)
    texts, replies, upcoming = [], [], None
    if enrollment is not None:
        texts = list(session.scalars(select(Outbox).where(Outbox.to_phone == enrollment.phone, Outbox.kind != "page",
                                                          Outbox.status.in_(ASKED))
                                     .order_by(Outbox.sent_at, Outbox.id)))
        replies = list(session.scalars(select(Inbound).where(Inbound.from_phone == enrollment.phone)
                                       .order_by(Inbound.received_at, Inbound.id)))
        upcoming = session.scalars(select(Outbox).where(Outbox.enrollment_id == enrollment.id,
                                                        Outbox.status == Status.PLANNED)
                                   .order_by(Outbox.due_at).limit(1)).first()
    phone = sorted([("out", t.sent_at or t.due_at, t) for t in texts] + [("in", r.received_at, r) for r in replies],
                   key=lambda item: item[1])
    # After STOP the phone would show Twilio's own confirmation, which the simulator cannot send.
    opted_out = session.get(OptOut, enrollment.phone) if enrollment is not None else None
    return render_template("simulator.html", patients=patients, e=enrollment, phone=phone, upcoming=upcoming,
                           reply_max=REPLY_MAX, coordinator_phones=coordinator_phones(session), opted_out=opted_out)


@bp.post("/simulator/<int:enrollment_id>/reply")
@login_required
def simulator_reply(enrollment_id: int):
    _require_simulator()
    session = db()
    enrollment = get_patient(enrollment_id)
    body = request.form.get("body", "")[:REPLY_MAX]
    if not body.strip():
        flash("Type the patient's reply first.", "error")
    else:
        outcome = inbound.receive(rt(), session, "SIM" + uuid.uuid4().hex, enrollment.phone, body, rt().sender,
                                  utcnow())
        session.commit()
        rt().kick_urgent()  # pages and safety texts go out now, as after a real webhook
        if outcome.escalation_id is not None:
            article = "an" if (outcome.tier or "")[:1] in "aeiou" else "a"
            link = url_for("dashboard.escalation_detail", escalation_id=outcome.escalation_id)
            flash(Markup('The reply opened {} {} escalation: <a href="{}">see it</a>, or '
                         '<a href="{}">the queue</a>.').format(article, outcome.tier, link,
                                                               url_for("dashboard.escalation_queue")), "error")
    return redirect(url_for("dashboard.simulator", patient=enrollment_id))


@bp.post("/simulator/send-due")
@login_required
def simulator_send_due():
    _require_simulator()
    stats = dispatch.dispatch_due(rt())
    flash(f"Sent {stats.outcomes.get('sent', 0)} due text(s).", "ok")
    return redirect(url_for("dashboard.simulator", patient=request.form.get("patient", type=int)))


@bp.post("/simulator/<int:enrollment_id>/next")
@login_required
def simulator_next(enrollment_id: int):
    """Fast-forward one patient: send their next planned text now, as if its time had come (a tester
    should not wait until tomorrow 09:00 for the welcome text)."""
    _require_simulator()
    enrollment = get_patient(enrollment_id)
    row = db().execute(select(Outbox.id, Outbox.due_at, Outbox.step)
                       .where(Outbox.enrollment_id == enrollment.id, Outbox.status == Status.PLANNED)
                       .order_by(Outbox.due_at).limit(1)).first()
    db().rollback()  # end the read before dispatch writes (SQLite allows one writer)
    if row is None:
        flash("Nothing planned for this patient.", "error")
    else:
        row_id, due_at, step = row
        owner = lifecycle.new_owner()
        lease = timedelta(seconds=rt().settings.sending_lease_seconds)
        with rt().session() as session:  # claim it the way dispatch does, so nothing else sends it too
            claimed = lifecycle.claim_one(session, row_id, owner, due_at, lease)
        result = dispatch.send_claimed(rt(), row_id, due_at, owner) if claimed else "taken"
        flash(f"Next text ({step or 'text'}): {result}.", "ok")
    return redirect(url_for("dashboard.simulator", patient=enrollment_id))
