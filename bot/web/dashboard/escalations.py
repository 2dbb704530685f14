"""The escalation queue: open first (emergency before urgent, oldest first), with the time left
before the next page; acknowledge and resolve by a named user. Pages link to /dashboard/escalations/<id>."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from bot import escalation as escalations
from bot.models import Coordinator, Escalation, Inbound, Outbox
from bot.outbox import Kind, Status
from bot.phones import mask_phone
from bot.timeutil import utcnow
from bot.triage.result import TIER_RANK
from bot.vocabulary import UNRESOLVED, EscalationStatus
from bot.web import db
from bot.web.dashboard.common import bp, escalation_scope, get_escalation, when

RESOLVED_SHOWN = 20
REFRESH_SECONDS = 20


def queue(session) -> dict:
    rows = session.execute(escalation_scope().where(Escalation.status.in_(UNRESOLVED))).all()
    resolved = session.execute(escalation_scope().where(Escalation.status == EscalationStatus.RESOLVED)
                               .order_by(Escalation.resolved_at.desc()).limit(RESOLVED_SHOWN)).all()
    inbound_ids = [r[0].inbound_id for r in [*rows, *resolved] if r[0].inbound_id]
    texts = dict(session.execute(select(Inbound.id, Inbound.body).where(Inbound.id.in_(inbound_ids))).all()) \
        if inbound_ids else {}
    key = lambda r: (-TIER_RANK.get(r[0].tier, 0), r[0].created_at)  # noqa: E731
    now = utcnow()
    return {"open": sorted([r for r in rows if r[0].status == EscalationStatus.OPEN], key=key),
            "acknowledged": sorted([r for r in rows if r[0].status == EscalationStatus.ACKNOWLEDGED], key=key),
            "resolved": resolved, "texts": texts, "now": now, "next_page_in": escalations.next_page_in}


@bp.get("/escalations")
@login_required
def escalation_queue():
    refresh = current_app.config.get("DASHBOARD_REFRESH_SECONDS", REFRESH_SECONDS)
    return render_template("escalations.html", refresh=refresh, **queue(db()))


@bp.get("/escalations/partial")
@login_required
def escalation_partial():
    """The queue's body alone, fetched by static/queue.js every REFRESH_SECONDS."""
    return render_template("_queue.html", **queue(db()))


_CALL_OUTCOME = {"completed": "answered", "in-progress": "answered", "no-answer": "no answer", "busy": "busy",
                 "failed": "failed", "canceled": "cancelled", "ringing": "ringing", "queued": "ringing"}


def paging_history(session, escalation: Escalation) -> list[dict]:
    """Every page and call of an escalation: to whom, when, whether it arrived, whether it was
    answered. Removed coordinators keep their names (their rows stay)."""
    names = {c.phone: c.name for c in session.scalars(select(Coordinator).where(
        Coordinator.clinic_id == escalation.clinic_id))}
    rows = session.scalars(select(Outbox).where(Outbox.escalation_id == escalation.id,
                                                Outbox.kind.in_((Kind.PAGE, Kind.CALL)))
                           .order_by(Outbox.due_at, Outbox.id))
    history = []
    for row in rows:
        who = names.get(row.to_phone, mask_phone(row.to_phone))
        if row.kind == Kind.CALL:
            how = "phone call"
            arrived = _CALL_OUTCOME.get(row.twilio_status or "", row.status)
            if row.status == Status.CANCELLED:
                arrived = "not placed (acknowledged first)"
            answered = f"pressed 1 at {when(row.answered_at)}" if row.answered_at else "-"
        else:
            how = "text"
            arrived = {"delivered": "delivered", "sent": "sent, no delivery report yet", "planned": "queued",
                       "sending": "sending", "cancelled": "not sent (acknowledged first)"}.get(
                row.status, f"{row.status}{': ' + row.error_message if row.error_message else ''}")
            answered = (f"ACK at {when(escalation.acknowledged_at)}" if escalation.acknowledged_by == who
                        and escalation.acknowledged_at else "-")
        history.append({"at": row.sent_at or row.due_at, "to": who, "how": how, "round": row.key.split(":")[2],
                        "arrived": arrived, "answered": answered})
    return history


@bp.get("/escalations/<int:escalation_id>")
@login_required
def escalation_detail(escalation_id: int):
    session = db()
    escalation, enrollment = get_escalation(escalation_id)
    inbound = session.get(Inbound, escalation.inbound_id) if escalation.inbound_id else None
    return render_template("escalation.html", x=escalation, e=enrollment, inbound=inbound, now=utcnow(),
                           next_page_in=escalations.next_page_in, history=paging_history(session, escalation))


@bp.post("/escalations/<int:escalation_id>/<action>")
@login_required
def escalation_action(escalation_id: int, action: str):
    session = db()
    escalation, _ = get_escalation(escalation_id)
    # Two coordinators pressing at once: the second sees the first's acknowledgement, not a stale "open".
    session.refresh(escalation, with_for_update=True)
    back = request.form.get("back") == "queue"
    try:
        if action == "ack":
            escalations.acknowledge(session, escalation, current_user.name, utcnow())
            message = f"Escalation {escalation.code} acknowledged by {current_user.name}: paging stopped."
        elif action == "resolve":
            escalations.resolve(session, escalation, current_user.name, request.form.get("note", "")[:2000],
                                utcnow())
            message = f"Escalation {escalation.code} resolved by {current_user.name}."
        else:
            return render_template("error.html", title="Not found", message="Unknown action."), 404
    except escalations.EscalationError as e:
        session.rollback()
        flash(str(e), "error")
    else:
        session.commit()
        flash(message, "ok")
    if back:
        return redirect(url_for("dashboard.escalation_queue"))
    return redirect(url_for("dashboard.escalation_detail", escalation_id=escalation_id))
