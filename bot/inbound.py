"""Every reply: stored first (the webhook), then acted on (the processor): keywords, coordinator
ACKs, check-in answers, triage, actions.

The webhook only stores the message, keyed by MessageSid, and answers Twilio at once; the processor
acts on it right after and classifies it there, once: on PostgreSQL in the clock process, woken by
the webhook's NOTIFY (bot.inbound_wakeup), else (or with no clock listening) in a background thread
of the web process. Anything a crash left behind is swept up by the clock a few seconds later
(INBOUND_SWEEP_SECONDS).
A message is never lost and never acted on twice. Answers to the patient go out as urgent outbox
rows (no quiet hours, no pacing), like pages.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import escalation, keywords, planner, respond, review
from bot.audit import record
from bot.dispatch import dispatch_urgent
from bot.inbound_store import claim_next, hold, release, store
from bot.models import Coordinator, Enrollment, Escalation, Inbound, OptOut
from bot.outbox import rows as outbox_rows
from bot.outbox.lifecycle import new_owner
from bot.outbox.states import Kind
from bot.phones import mask_phone
from bot.replies import say
from bot.respond import REPLY_KEYS, Outcome
from bot.runtime import Runtime
from bot.timeutil import utcnow
from bot.triage import classify
from bot.triage.catalogue import reply_for
from bot.triage.result import ESCALATED, Tier
from bot.vocabulary import LIVE_ENROLLMENT, EnrollmentStatus, EscalationStatus, HandledAs

log = logging.getLogger(__name__)
__all__ = ["process", "process_and_send", "process_pending", "receive", "store"]
MAX_ATTEMPTS = 3


def receive(rt: Runtime, session: Session, message_sid: str, from_phone: str, body: str, to_phone: str | None,
            now: datetime) -> Outcome:
    """Store and process in one go (the phone simulator, tests). The caller commits."""
    inbound_id = store(session, message_sid, from_phone, body, to_phone, now)
    if inbound_id is None:
        existing = session.scalars(select(Inbound).where(Inbound.message_sid == message_sid)).one()
        return Outcome(existing.reply_body, HandledAs.DUPLICATE, existing.tier)
    return process(rt, session, session.get_one(Inbound, inbound_id), now)


def process(rt: Runtime, session: Session, inbound: Inbound, now: datetime) -> Outcome:
    outcome = _route(rt, session, inbound, now)
    inbound.handled_as, inbound.reply_body = outcome.handled_as, outcome.reply
    inbound.tier = inbound.tier or outcome.tier
    inbound.processed_at = now
    log.info("inbound %s from %s handled as %s (tier %s)", inbound.id, mask_phone(inbound.from_phone),
             outcome.handled_as, outcome.tier or "-")
    return outcome


def process_pending(rt: Runtime, now: datetime | None = None, limit: int = 200) -> int:
    """Act on every stored, unprocessed message, oldest first, each claimed first (so no other
    processor acts on it too) and processed in its own transaction."""
    owner, done = new_owner(), 0
    skip: list[int] = []
    while done < limit and not rt.stopping.is_set():
        at = now or utcnow()
        with rt.session() as session:
            inbound_id = claim_next(session, owner, at, skip)
        if inbound_id is None:
            break
        with rt.session() as session:
            inbound = hold(session, inbound_id, owner)
            if inbound is None:  # taken over after an expired claim: its new owner acts on it
                skip.append(inbound_id)
                continue
            try:
                process(rt, session, inbound, at)
                inbound.claimed_until = None
                session.commit()
            except Exception:
                session.rollback()  # nothing half-done survives; the message itself stays stored
                log.exception("inbound %s: processing failed", inbound_id)
                _failed(rt, session, inbound_id, owner, at)
                skip.append(inbound_id)  # once per pass: the next pass (the clock's sweeper) tries again
        done += 1
    return done


def _failed(rt: Runtime, session: Session, inbound_id: int, owner: str, now: datetime) -> None:
    """Count the failure; after a few, hand the message to a human instead of retrying forever."""
    release(session, inbound_id, owner)
    inbound = session.get_one(Inbound, inbound_id, populate_existing=True)
    if inbound.attempts >= MAX_ATTEMPTS:
        inbound.processed_at, inbound.handled_as = now, HandledAs.ERROR
        enrollment = session.get(Enrollment, inbound.enrollment_id) if inbound.enrollment_id else None
        review.add(session, rt, enrollment, inbound_id, "processing_failed", now,
                   "the service could not process this reply; read it")


def process_and_send(rt: Runtime) -> None:
    """The webhook's follow-up (`Runtime.kick_inbound`): act on new messages, then send replies and
    pages at once."""
    try:
        processed = process_pending(rt)
    except Exception:  # the clock's sweeper retries; never lose the background thread to this
        log.exception("inbound processing pass failed; the clock will retry")
        return
    if processed:
        dispatch_urgent(rt)


def _route(rt: Runtime, session: Session, inbound: Inbound, now: datetime) -> Outcome:
    phone, body = inbound.from_phone, inbound.body
    code = keywords.ack_code(body)
    if code is not None:
        coordinator = session.scalars(select(Coordinator).where(Coordinator.phone == phone)).first()
        if coordinator is not None:
            return _coordinator_ack(session, coordinator, inbound, code, now)
    enrollment = session.scalars(select(Enrollment).where(Enrollment.phone == phone)
                                 .order_by(Enrollment.status.in_(LIVE_ENROLLMENT).desc(), Enrollment.id.desc())
                                 .limit(1)).first()
    inbound.enrollment_id = enrollment.id if enrollment else None
    opted_out = session.get(OptOut, phone) is not None
    word, word_lang = keywords.keyword_lang(body, opted_out)
    if word == "opt_out":
        return _opt_out(rt, session, enrollment, inbound, word_lang, now)
    if word == "opt_in":
        return _opt_in(rt, session, enrollment, inbound, opted_out, now)
    if word == "help":
        return _help(rt, session, enrollment, inbound, word_lang, now)
    if enrollment is None:
        return _unknown_sender(rt, session, inbound, code is not None, now)
    return respond.handle(rt, session, enrollment, inbound, opted_out, now)


def _help(rt: Runtime, session: Session, enrollment: Enrollment | None, inbound: Inbound, word_lang: str,
          now: datetime) -> Outcome:
    """HELP / AYUDA: the carrier's required answer (with the 911 rule), in the patient's language
    (or the keyword's, for a number we do not know); and from a patient an urgent escalation too:
    from someone recovering from spine surgery "help" may mean exactly that (INFO does not)."""
    language = enrollment.language if enrollment is not None else word_lang
    text = say(rt, session, enrollment, inbound.from_phone, "help", inbound, now, False, language=language)
    result = classify(inbound.body, language, None)
    tier, flags, evidence = result.tier, list(result.flags), list(result.evidence)
    if enrollment is not None and keywords.is_help_word(inbound.body) and tier not in ESCALATED:
        tier, flags, evidence = Tier.URGENT, flags + ["help_request"], evidence + [f"help_request: {inbound.body!r}"]
    inbound.tier, inbound.flags, inbound.evidence = tier, flags, evidence
    outcome = Outcome(text, HandledAs.HELP, tier)
    if enrollment is not None and tier in ESCALATED:
        outcome.escalation_id = escalation.open_escalation(session, rt, enrollment, inbound.id, tier, flags,
                                                           evidence, now).id
    return outcome


def _opt_out(rt: Runtime, session: Session, enrollment: Enrollment | None, inbound: Inbound, word_lang: str,
             now: datetime) -> Outcome:
    phone = inbound.from_phone
    if session.get(OptOut, phone) is None:
        session.add(OptOut(phone=phone, opted_out_at=now, source="sms"))
    cancelled = outbox_rows.cancel_future(session, phone=phone)
    record(session, f"patient:{mask_phone(phone)}", "opt_out", None, {"cancelled": cancelled})
    if word_lang == "en":
        return Outcome(None, HandledAs.OPT_OUT)  # Twilio itself confirms a STOP; a second text would be noise
    # Twilio neither blocks nor confirms PARAR/BAJA: the service confirms, in Spanish, once.
    text = say(rt, session, enrollment, phone, "opt_out_confirm", inbound, now, True, language="es", force=True,
               kind=Kind.OPTOUT_CONFIRM)
    return Outcome(text, HandledAs.OPT_OUT)


def _opt_in(rt: Runtime, session: Session, enrollment: Enrollment | None, inbound: Inbound, was_opted_out: bool,
            now: datetime) -> Outcome:
    phone = inbound.from_phone
    session.execute(delete(OptOut).where(OptOut.phone == phone))
    if enrollment is not None and enrollment.status == EnrollmentStatus.ACTIVE:
        planner.plan(session, rt, enrollment, now)
    record(session, f"patient:{mask_phone(phone)}", "opt_in", None, {"was_opted_out": was_opted_out})
    if enrollment is None:
        return Outcome(None, HandledAs.OPT_IN)
    return Outcome(say(rt, session, enrollment, phone, "opt_in_confirm", inbound, now, False), HandledAs.OPT_IN)


def _unknown_sender(rt: Runtime, session: Session, inbound: Inbound, is_ack: bool, now: datetime) -> Outcome:
    """Someone we do not know: a relative's phone, a new number. Still triaged: an emergency is an
    emergency whoever texts it."""
    result = classify(inbound.body)
    inbound.tier, inbound.flags, inbound.evidence = result.tier, list(result.flags), list(result.evidence)
    review.add(session, rt, None, inbound.id, "unknown_sender", now, result.tier)
    opted_out = session.get(OptOut, inbound.from_phone) is not None
    # An "ACK <code>" is a coordinator's command from a phone we do not know: answer in English, not in
    # whatever language the random code happens to look like ("ACK BZ98LE" holds "le").
    language = "en" if is_ack else result.lang
    language = language if language in rt.library.content else "en"
    if result.tier in ESCALATED:
        esc = escalation.open_escalation(session, rt, None, inbound.id, result.tier, list(result.flags),
                                         list(result.evidence), now)
        key = REPLY_KEYS[reply_for(list(result.flags), result.tier)]
        key = key if escalation.pages_sent(session, esc) else key + "_unpaged"
        return Outcome(say(rt, session, None, inbound.from_phone, key, inbound, now, opted_out, language=language),
                       HandledAs.UNKNOWN_SENDER, result.tier, esc.id)
    return Outcome(say(rt, session, None, inbound.from_phone, "unknown_sender", inbound, now, opted_out,
                       language=language), HandledAs.UNKNOWN_SENDER, result.tier)


def _coordinator_ack(session: Session, coordinator: Coordinator, inbound: Inbound, code: str,
                     now: datetime) -> Outcome:
    # Another clinic's escalation is "not found": its coordinators alone may acknowledge it.
    esc = session.scalars(select(Escalation).where(Escalation.code == code,
                                                   Escalation.clinic_id == coordinator.clinic_id)).first()
    if esc is None or esc.status != EscalationStatus.OPEN:
        text = f"ACK {code}: {'not found' if esc is None else f'already {esc.status}'}."
    else:
        escalation.acknowledge(session, esc, coordinator.name, now)
        text = f"ACK {code}: acknowledged by {coordinator.name}. Resolve it with a note in the dashboard."
    session.add(outbox_rows.reply(inbound.message_sid, coordinator.phone, text, now))
    return Outcome(text, HandledAs.COORDINATOR, escalation_id=esc.id if esc else None)
