"""Webhooks Twilio calls: patient replies (`/twilio/sms`) and delivery status callbacks.

Served by the main app like every other blueprint; Twilio signs its requests instead of logging in,
so CSRF is off for this blueprint (bot/web/dashboard) and each view checks the signature with
twilio's own RequestValidator."""
from __future__ import annotations

import hmac
import logging
import re
from functools import wraps

from flask import Blueprint, Response, abort, request
from sqlalchemy.exc import SQLAlchemyError
from twilio.request_validator import SIGNATURE_SETTINGS_HEADER, RequestValidator, get_signature_algorithm
from twilio.twiml.messaging_response import MessagingResponse

from bot import inbound, inbound_wakeup
from bot.inbound_store import clean_text
from bot.outbox import callbacks
from bot.timeutil import utcnow
from bot.web import db, rt

bp = Blueprint("twilio", __name__, url_prefix="/twilio")
log = logging.getLogger(__name__)

EMPTY_TWIML = str(MessagingResponse())
MAX_WEBHOOK_BYTES = 64 * 1024  # Twilio's inbound bodies are at most 1,600 characters plus metadata
# Twilio's formats (reference: twilio-and-scheduling.md 1.1). A signature alone does not prove a
# field is what Twilio sent: it signs names and values concatenated without separators, so a
# captured request can be re-cut ("NumMedia" + "0" moved onto the end of MessageSid) and still verify.
_MESSAGE_SID = re.compile(r"(?:SM|MM)[0-9a-fA-F]{32}")
_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
LEGACY_SIDS = ("SmsSid", "SmsMessageSid")  # older names of MessageSid: same value, or absent
_PHONE = re.compile(r"\+?[0-9]{3,15}")


def valid_message_sid(sid: str) -> bool:
    return _MESSAGE_SID.fullmatch(sid) is not None


def bad_request(reason: str, status: int = 400) -> Response:
    return Response(reason + "\n", status=status, mimetype="text/plain")


@bp.before_request
def _limit_body() -> None:
    # The app allows 2 MiB (CSV uploads); werkzeug stops reading a webhook at 64 KiB (413), also a
    # chunked one without a length.
    request.max_content_length = MAX_WEBHOOK_BYTES


def signed_url() -> str:
    """The URL Twilio signed: PUBLIC_URL plus path and query when configured, else what the
    request says (correct behind proxies once ProxyFix trusts PROXY_COUNT hops)."""
    base = rt().settings.public_url
    if base:
        query = request.query_string.decode()
        return f"{base}{request.path}" + (f"?{query}" if query else "")
    return request.url


def signing_key(settings: str | None) -> tuple[str | None, str | None]:
    """The secret and the algorithm a webhook was signed with: the Auth Token and HMAC-SHA1, unless
    Twilio names a SharedKey (`X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=<name>`);
    then that key's secret from TWILIO_WEBHOOK_SHARED_KEYS (None when it is not configured)."""
    config = rt().settings
    if not settings:
        return config.twilio_auth_token, None
    key_id = next((value.strip() for name, _, value in (part.partition("=") for part in settings.split(","))
                   if name.strip() == "key"), "")
    return (config.twilio_webhook_shared_keys or {}).get(key_id), get_signature_algorithm(settings)


def twilio_signed(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        settings = request.headers.get(SIGNATURE_SETTINGS_HEADER)
        token, algorithm = signing_key(settings)
        signature = request.headers.get("X-Twilio-Signature", "")
        if not token or not RequestValidator(token).validate(signed_url(), request.form, signature, algorithm):
            log.warning("rejected %s: bad or missing Twilio signature%s", request.path,
                        f" (signed with a SharedKey: {settings!r}; is it in TWILIO_WEBHOOK_SHARED_KEYS?)"
                        if settings and not token else "")
            abort(403)
        account = request.form.get("AccountSid", "")
        if not _ACCOUNT_SID.fullmatch(account) or not hmac.compare_digest(account, rt().settings.twilio_account_sid):
            # Signed with our key but not for our account, or not in Twilio's format: a forgery.
            log.warning("rejected %s: AccountSid missing, malformed or not ours", request.path)
            abort(403)
        return view(*args, **kwargs)
    return wrapper
@bp.post("/status")
@twilio_signed
def status():
    form = request.form
    sid, new_twilio_status = form.get("MessageSid", ""), form.get("MessageStatus", "").lower()
    if not sid or not callbacks.known_status(new_twilio_status):
        return bad_request("MessageSid missing, or MessageStatus not one of Twilio's")
    if not valid_message_sid(sid):  # signed, yet not Twilio's format: a re-cut replay (see _MESSAGE_SID)
        log.warning("rejected /twilio/status: MessageSid not in Twilio's format")
        abort(403)
    outbox_id = request.args.get("outbox_id", "")
    session = db()
    # A NUL in the error fields would fail the UPDATE on PostgreSQL (a 500 on every retry): replaced.
    error_code, error_message = (clean_text(form.get(name) or "") or None for name in ("ErrorCode", "ErrorMessage"))
    row = callbacks.apply_status(session, int(outbox_id) if outbox_id.isdigit() and len(outbox_id) < 12 else None,
                                 sid, new_twilio_status, error_code, error_message, utcnow())
    if row is None:
        log.warning("status callback for unknown message %s", sid)
    session.commit()
    return "", 204


@bp.post("/sms")
@twilio_signed
def sms():
    """Store the message, keyed by MessageSid, and answer at once; the processor acts on it right
    after, in the listening clock or a background thread (bot.inbound_wakeup). If the database fails
    nothing is kept and the 5xx makes Twilio retry."""
    form = request.form
    sid, sender = form.get("MessageSid", ""), form.get("From", "")
    if not sid or not sender:
        return bad_request("MessageSid and From are required")
    if not valid_message_sid(sid) or any(form.get(alias) not in (None, sid) for alias in LEGACY_SIDS):
        # A valid signature over fields re-cut from a captured request (see _MESSAGE_SID).
        log.warning("rejected /twilio/sms: MessageSid not in Twilio's format (a replayed, re-cut request?)")
        abort(403)
    if not _PHONE.fullmatch(sender):
        return bad_request("From must be a phone number in E.164 form")
    num_media = form.get("NumMedia", "0") or "0"
    if not num_media.isdigit() or len(num_media) > 2:
        return bad_request("NumMedia must be a whole number")
    body = form.get("Body", "")
    if int(num_media) and not body:
        body = "[picture or attachment without text]"
    to = form.get("To")
    session = db()
    try:
        new = inbound.store(session, sid, sender, body, to if to and _PHONE.fullmatch(to) else None, utcnow(),
                            request.headers.get("I-Twilio-Idempotency-Token"))
        # Not a retry of a message already stored: the listening clock acts on it (woken when this
        # commits), or, when no clock listens, this process does, right after answering.
        woken = new is not None and inbound_wakeup.announce(rt(), session)
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.exception("inbound %s: database error; Twilio will retry", sid)
        return Response("temporarily unavailable", status=503)
    if new is not None and not woken:
        rt().kick_inbound()
    # Empty TwiML: answers go through the outbox, so they are recorded, tracked and retried like any text.
    return Response(EMPTY_TWIML, mimetype="text/xml")
