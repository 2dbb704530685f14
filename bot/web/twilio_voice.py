"""Voice webhooks for paging calls (bot/page_calls.py): the key pressed during the call and the
call's final status. Signed by Twilio like the SMS webhooks."""
from __future__ import annotations

import re
from xml.sax.saxutils import escape

from flask import Response, request

from bot import escalation
from bot.outbox import callbacks
from bot.timeutil import utcnow
from bot.web import db
from bot.web.twilio import bad_request, bp, twilio_signed

_CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


@bp.post("/voice/gather")
@twilio_signed
def voice_gather():
    call_sid, digits = request.form.get("CallSid", ""), request.form.get("Digits", "")
    escalation_id, coordinator_id = _int_arg("escalation_id"), _int_arg("coordinator_id")
    if not _CALL_SID.fullmatch(call_sid) or escalation_id is None or coordinator_id is None:
        return bad_request("CallSid, escalation_id and coordinator_id are required")
    session = db()
    said = escalation.acknowledge_by_call(session, escalation_id, coordinator_id, digits[:4], call_sid, utcnow())
    session.commit()
    return Response(f"<Response><Say>{escape(said)}</Say></Response>", mimetype="text/xml")


@bp.post("/voice/status")
@twilio_signed
def voice_status():
    call_sid, status = request.form.get("CallSid", ""), request.form.get("CallStatus", "").lower()
    if not _CALL_SID.fullmatch(call_sid) or not status:
        return bad_request("CallSid and CallStatus are required")
    session = db()
    callbacks.apply_call_status(session, _int_arg("outbox_id"), call_sid, status, request.form.get("CallDuration"),
                                utcnow())
    session.commit()
    return "", 204
