"""The phone simulator's coordinator phones: the pages and calls each coordinator of the clinic got,
a box to reply as them (`ACK <code>`, through the same `inbound.receive` as Twilio's webhook), and
"answer and press 1" for a ringing paging call. The ladder can be tried end to end without Twilio."""
from __future__ import annotations

import re
import uuid
from xml.sax.saxutils import unescape

from flask import abort, flash, redirect, request, url_for
from flask_login import login_required
from sqlalchemy import select

from bot import escalation, inbound
from bot.models import Coordinator, Inbound, Outbox
from bot.outbox import Kind
from bot.outbox.states import ASKED
from bot.timeutil import utcnow
from bot.web import db, rt
from bot.web.dashboard.common import bp
from bot.web.dashboard.coordinators import user_clinic

_SAY = re.compile(r"<Say>(.*?)</Say>")


def coordinator_phones(session) -> list[dict]:
    """Each active coordinator of the user's clinic with what their phone shows, oldest first."""
    phones = []
    for person in session.scalars(select(Coordinator).where(Coordinator.clinic_id == user_clinic().id,
                                                            Coordinator.active.is_(True)).order_by(Coordinator.id)):
        # Pages, calls, and our answers to their ACKs.
        got = session.scalars(select(Outbox).where(Outbox.to_phone == person.phone,
                                                   Outbox.status.in_(ASKED))
                              .order_by(Outbox.sent_at, Outbox.id)).all()
        sent = session.scalars(select(Inbound).where(Inbound.from_phone == person.phone)
                               .order_by(Inbound.received_at, Inbound.id)).all()
        items = [("in", r.sent_at or r.due_at, _spoken(r.body) if r.kind == Kind.CALL else r.body, r) for r in got]
        items += [("out", m.received_at, m.body, None) for m in sent]
        phones.append({"person": person, "items": sorted(items, key=lambda i: i[1])})
    return phones


def _spoken(twiml: str | None) -> str:
    said = _SAY.search(twiml or "")
    return "Incoming call: " + (unescape(said.group(1)) if said else "")


@bp.post("/simulator/coordinator/<int:coordinator_id>/reply")
@login_required
def simulator_coordinator_reply(coordinator_id: int):
    if not rt().transport.simulated:
        abort(404)
    session = db()
    person = session.get(Coordinator, coordinator_id)
    if person is None or person.clinic_id != user_clinic().id:
        abort(404)
    body = request.form.get("body", "")[:160]
    if body.strip():
        inbound.receive(rt(), session, "SIM" + uuid.uuid4().hex, person.phone, body, rt().sender, utcnow())
        session.commit()
        rt().kick_urgent()
    return redirect(url_for("dashboard.simulator", patient=request.form.get("patient", type=int)) + "#coordinators")


@bp.post("/simulator/call/<int:outbox_id>/press")
@login_required
def simulator_press(outbox_id: int):
    """Answer a simulated paging call and press 1, as the coordinator would on a real phone."""
    if not rt().transport.simulated:
        abort(404)
    session = db()
    row = session.get(Outbox, outbox_id)
    person = session.scalars(select(Coordinator).where(Coordinator.phone == row.to_phone)).first() if row else None
    if row is None or row.kind != Kind.CALL or row.escalation_id is None or person is None \
            or person.clinic_id != user_clinic().id:
        abort(404)
    said = escalation.acknowledge_by_call(session, row.escalation_id, person.id, "1", row.twilio_sid or "", utcnow())
    session.commit()
    flash(f"{person.name}'s phone: {said}", "ok")
    return redirect(url_for("dashboard.simulator", patient=request.form.get("patient", type=int)) + "#coordinators")
