"""Every reply: stored first (the webhook), then acted on (the processor): keywords, coordinator
ACKs, check-in answers, triage, actions.

The webhook only stores the message, keyed by MessageSid, and answers Twilio at once. A possible
red flag, a keyword or an ACK is processed right after in a background thread of the same process;
everything else, and anything a crash left behind, by the clock's sweep a few seconds later
(INBOUND_SWEEP_SECONDS). A message is never lost and never acted on twice. Answers to the patient go
out as urgent outbox rows (no quiet hours, no pacing), like pages.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import conversation, escalation, keywords, planner
from bot.audit import record
from bot.inbound_store import claim_next, hold, release, store, store_now
from bot.logs import mask_phone
from bot.messages import settings_for, values_for
from bot.models import Coordinator, Enrollment, Escalation, Inbound, OptOut, ReviewItem
from bot.outbox import rows as outbox_rows
from bot.outbox.lifecycle import new_owner
from bot.runtime import Runtime
from bot.timeutil import utc_to_local, utcnow
from bot.triage import TriageResult, classify, might_be_urgent

log = logging.getLogger(__name__)
__all__ = ["process", "process_and_send", "process_pending", "receive", "store", "store_now"]
TIER_REPLY = {"emergency": "emergency_reply", "urgent": "urgent_reply", "routine": "routine_reply"}
MAX_ATTEMPTS = 3
SHORT_ACK_WORDS = 3  # "ok thanks", "gracias!", "will do": understood, nobody needs to read them


@dataclass
class Outcome:
    reply: str | None
    handled_as: str
    tier: str | None = None
    escalation_id: int | None = None


def receive(rt: Runtime, session: Session, message_sid: str, from_phone: str, body: str, to_phone: str | None,
            now: datetime) -> Outcome:
    """Store and process in one go (the phone simulator, tests). The caller commits."""
    inbound_id = store(session, message_sid, from_phone, body, to_phone, now)
    if inbound_id is None:
        existing = session.scalars(select(Inbound).where(Inbound.message_sid == message_sid)).one()
        return Outcome(existing.reply_body, "duplicate", existing.tier)
    return process(rt, session, session.get(Inbound, inbound_id), now)


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
    owner, done, skip = new_owner(), 0, []
    while done < limit:
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
                _failed(session, inbound_id, owner, at)
                skip.append(inbound_id)  # once per pass: the next pass (the clock's sweeper) tries again
        done += 1
    return done


def _failed(session: Session, inbound_id: int, owner: str, now: datetime) -> None:
    """Count the failure; after a few, hand the message to a human instead of retrying forever."""
    release(session, inbound_id, owner)
    inbound = session.get(Inbound, inbound_id, populate_existing=True)
    if inbound.attempts >= MAX_ATTEMPTS:
        inbound.processed_at, inbound.handled_as = now, "error"
        session.add(ReviewItem(enrollment_id=None, inbound_id=inbound_id, reason="processing_failed",
                               detail="the service could not process this reply; read it", created_at=now))


def needs_action_now(body: str) -> bool:
    """Whether a just-stored reply should be acted on this instant rather than by the clock's next
    sweep (seconds later). Cheap and context-free on purpose: anything that might be a red flag, a
    keyword, a coordinator's ACK or a "yes" to the red-flag screen goes now; "ok thanks" can wait
    for the sweep, which keeps the webhook fast under load. A bare "9" is urgent only as the answer
    to the pain question, which this check does not know about, so it is read both ways."""
    if keywords.keyword(body, opted_out=True) or keywords.ack_code(body) or conversation.yes_no(body) == "yes":
        return True
    # might_be_urgent rules most everyday replies out in microseconds; classify settles the rest.
    return might_be_urgent(body) and any(classify(body, context=context).tier in ("urgent", "emergency")
                                         for context in (None, "pain_score"))


def process_and_send(rt: Runtime) -> None:
    """The webhook's follow-up: act on new messages, then send replies and pages at once."""
    from bot.dispatch import dispatch_urgent

    try:
        processed = process_pending(rt)
    except Exception:  # the clock's sweeper retries; never lose the background thread to this
        log.exception("inbound processing pass failed; the clock will retry")
        return
    if processed:
        dispatch_urgent(rt)


def _route(rt: Runtime, session: Session, inbound: Inbound, now: datetime) -> Outcome:
    phone, body = inbound.from_phone, inbound.body
    coordinator = session.scalars(select(Coordinator).where(Coordinator.phone == phone)).first()
    if coordinator is not None and keywords.ack_code(body):
        return _coordinator_ack(session, coordinator, inbound, keywords.ack_code(body), now)
    enrollment = session.scalars(select(Enrollment).where(Enrollment.phone == phone)
                                 .order_by(Enrollment.status.in_(("active", "paused")).desc(), Enrollment.id.desc())
                                 .limit(1)).first()
    inbound.enrollment_id = enrollment.id if enrollment else None
    opted_out = session.get(OptOut, phone) is not None
    word = keywords.keyword(body, opted_out)
    if word == "opt_out":
        return _opt_out(session, phone, now)
    if word == "opt_in":
        return _opt_in(rt, session, enrollment, inbound, opted_out, now)
    if word == "help":
        return Outcome(_say(rt, session, enrollment, phone, "help", inbound, now, opted_out=False), "help")
    if enrollment is None:
        return _unknown_sender(rt, session, inbound, now)
    return _patient_reply(rt, session, enrollment, inbound, opted_out, now)


def _patient_reply(rt: Runtime, session: Session, enrollment: Enrollment, inbound: Inbound, opted_out: bool,
                   now: datetime) -> Outcome:
    window = timedelta(hours=rt.config["ANSWER_WINDOW_HOURS"])
    question = conversation.open_question(session, enrollment.id, now, window)
    context = question.expects if question else None
    result = classify(inbound.body, enrollment.language, context)
    tier = result.tier
    handled = "triage"
    if question is not None:
        question.answered_at = question.answered_at or now  # any reply breaks a silence streak
        if context == "pain_score" and result.pain is not None:
            conversation.record_answer(session, question, "pain", f"{result.pain:g}", inbound.id, now)
            handled = "answer"
        elif context == "yes_no" and (answer := conversation.yes_no(inbound.body)):
            conversation.record_answer(session, question, "red_flag_screen", answer, inbound.id, now)
            handled = "answer"
            if answer == "yes" and tier in ("none", "routine"):
                # "Yes" to "any of these red flags?" names no flag; the safer reading is the urgent one.
                tier, result = "urgent", TriageResult("urgent", ["red_flag_screen_yes"],
                                                      ["red_flag_screen_yes: 'yes'"], result.lang)
    inbound.tier, inbound.flags, inbound.evidence = tier, list(result.flags), list(result.evidence)
    outcome = Outcome(None, handled, tier)
    if tier in ("emergency", "urgent"):
        esc = escalation.open_escalation(session, rt, enrollment, inbound.id, tier, list(result.flags),
                                         list(result.evidence), now)
        outcome.escalation_id = esc.id
        key = "crisis_reply" if "self_harm" in result.flags else (
            "screen_yes_reply" if "red_flag_screen_yes" in result.flags else TIER_REPLY[tier])
    elif tier == "routine":
        session.add(ReviewItem(enrollment_id=enrollment.id, inbound_id=inbound.id, reason="routine_reply",
                               detail=", ".join(result.flags) or None, created_at=now))
        key = TIER_REPLY[tier]
    else:
        key = "ack_answer" if handled == "answer" else "ack_message"
        if handled != "answer" and len(inbound.body.split()) > SHORT_ACK_WORDS:
            # Free text in which triage found nothing may still be something the rules do not know
            # yet: a person reads it (safety rule 1), without troubling the patient or the pager.
            session.add(ReviewItem(enrollment_id=enrollment.id, inbound_id=inbound.id, reason="free_text",
                                   created_at=now))
    outcome.reply = _say(rt, session, enrollment, enrollment.phone, key, inbound, now, opted_out)
    return outcome


def _say(rt: Runtime, session: Session, enrollment: Enrollment | None, phone: str, key: str, inbound: Inbound,
         now: datetime, opted_out: bool) -> str | None:
    """Answer the patient: an urgent outbox row, sent at once whatever the hour. Nothing for an
    opted-out number."""
    if opted_out:
        return None
    language = enrollment.language if enrollment else "en"
    if enrollment is not None:
        values = values_for(rt.library, enrollment, rt.config["CLINIC_NAME"], rt.config["CLINIC_PHONE"],
                            utc_to_local(now, enrollment.timezone).date())
    else:
        values = {"first_name": "", "clinic_name": rt.config["CLINIC_NAME"],
                  "clinic_phone": rt.config["CLINIC_PHONE"] or "your surgeon's office"}
    body = rt.library.render(language, key, values)
    session.add(outbox_rows.reply(inbound.message_sid, phone, body, now, enrollment.id if enrollment else None, key))
    return body


def _opt_out(session: Session, phone: str, now: datetime) -> Outcome:
    if session.get(OptOut, phone) is None:
        session.add(OptOut(phone=phone, opted_out_at=now, source="sms"))
    cancelled = outbox_rows.cancel_future(session, phone=phone)
    record(session, f"patient:{mask_phone(phone)}", "opt_out", None, {"cancelled": cancelled})
    return Outcome(None, "opt_out")  # Twilio itself confirms a STOP; a second text would be noise


def _opt_in(rt: Runtime, session: Session, enrollment: Enrollment | None, inbound: Inbound, was_opted_out: bool,
            now: datetime) -> Outcome:
    phone = inbound.from_phone
    session.execute(delete(OptOut).where(OptOut.phone == phone))
    if enrollment is not None and enrollment.status == "active":
        planner.plan(session, enrollment, rt.library, rt.config, now, settings_for(rt.library, enrollment))
    record(session, f"patient:{mask_phone(phone)}", "opt_in", None, {"was_opted_out": was_opted_out})
    if enrollment is None:
        return Outcome(None, "opt_in")
    return Outcome(_say(rt, session, enrollment, phone, "opt_in_confirm", inbound, now, False), "opt_in")


def _unknown_sender(rt: Runtime, session: Session, inbound: Inbound, now: datetime) -> Outcome:
    """Someone we do not know: a relative's phone, a new number. Still triaged: an emergency is an
    emergency whoever texts it."""
    result = classify(inbound.body)
    inbound.tier, inbound.flags, inbound.evidence = result.tier, list(result.flags), list(result.evidence)
    session.add(ReviewItem(inbound_id=inbound.id, reason="unknown_sender", detail=result.tier, created_at=now))
    opted_out = session.get(OptOut, inbound.from_phone) is not None
    if result.tier in ("emergency", "urgent"):
        esc = escalation.open_escalation(session, rt, None, inbound.id, result.tier, list(result.flags),
                                         list(result.evidence), now)
        key = "crisis_reply" if "self_harm" in result.flags else TIER_REPLY[result.tier]
        return Outcome(_say(rt, session, None, inbound.from_phone, key, inbound, now, opted_out), "unknown_sender",
                       result.tier, esc.id)
    return Outcome(_say(rt, session, None, inbound.from_phone, "unknown_sender", inbound, now, opted_out),
                   "unknown_sender", result.tier)


def _coordinator_ack(session: Session, coordinator: Coordinator, inbound: Inbound, code: str,
                     now: datetime) -> Outcome:
    # Another clinic's escalation is "not found": its coordinators alone may acknowledge it.
    esc = session.scalars(select(Escalation).where(Escalation.code == code,
                                                   Escalation.clinic_id == coordinator.clinic_id)).first()
    if esc is None or esc.status != "open":
        text = f"ACK {code}: {'not found' if esc is None else f'already {esc.status}'}."
    else:
        escalation.acknowledge(session, esc, coordinator.name, now)
        text = f"ACK {code}: acknowledged by {coordinator.name}. Resolve it with a note in the dashboard."
    session.add(outbox_rows.reply(inbound.message_sid, coordinator.phone, text, now))
    return Outcome(text, "coordinator", escalation_id=esc.id if esc else None)
