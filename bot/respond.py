"""A patient's reply after keywords: which open question it answers, what triage finds in it, who
must read it and by when, and what the patient is told.

The default is inverted (safety rule 1): only a positively benign reply (an in-range answer, "ok",
"gracias", 👍, "feeling better today") is thanked and left unread. Everything else reaches a person:
a red flag pages the on-call ladder, the rest goes to the review queue with a deadline, and the
reply says when the clinic will read it and to call 911 in an emergency. A reply never says "we
have alerted your care team" unless a page went to someone on call (safety rule 6).

At most 3 texts a day count these replies too (bot/fatigue.py): on a day that already has 3, a
thank-you or the self-care advice for a steady 5-7 (fatigue.HOLDABLE_REPLIES) is not sent, and the
answer is recorded as usual. Anything with a safety line, a question or a review item always goes.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import conversation, escalation, fatigue, instruments, pain, review
from bot.messages import item_words, render
from bot.models import Enrollment, Inbound, Outbox
from bot.replies import say
from bot.runtime import Runtime
from bot.triage import classify
from bot.triage.benign import is_benign
from bot.triage.catalogue import flag_tier, reply_for
from bot.triage.result import ESCALATED, TIER_RANK, Tier
from bot.vocabulary import HandledAs

log = logging.getLogger(__name__)
DUPLICATE_MINUTES = 10  # a phone that resends "4 8" is one answer, not two scores
REPLY_KEYS = {"call_911": "emergency_reply", "call_988": "crisis_reply", "call_today": "urgent_reply",
              "next_business_day": "routine_reply"}


@dataclass
class Outcome:
    reply: str | None
    handled_as: HandledAs
    tier: str | None = None
    escalation_id: int | None = None


@dataclass
class Finding:
    """What this reply amounts to, built up by the answer and triage steps."""
    tier: str = Tier.NONE
    flags: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    key: str | None = None            # a reply chosen by the answer step
    review: str | None = None         # a review reason chosen by the answer step
    expects: str | None = None        # the reply asks a question
    detail: str | None = None         # what the review item says (default: the flags)
    values: dict[str, str] = field(default_factory=dict)  # placeholders the chosen reply needs

    def raise_to(self, tier: str, flag: str | None = None, evidence: str | None = None) -> None:
        if TIER_RANK[tier] > TIER_RANK[self.tier]:
            self.tier = tier
        if flag and flag not in self.flags:
            self.flags.append(flag)
        if evidence:
            self.evidence.append(evidence)


def handle(rt: Runtime, session: Session, enrollment: Enrollment, inbound: Inbound, opted_out: bool,
           now: datetime) -> Outcome:
    if _repeat_of_an_answer(session, enrollment, inbound, now):
        return Outcome(None, HandledAs.DUPLICATE_ANSWER)
    def items_for(question: Outbox) -> int:
        return len(pathway_items(rt, enrollment, question))

    questions = conversation.open_questions(session, enrollment.id)
    answer = conversation.match(questions, inbound.body, items_for)
    result = classify(inbound.body, enrollment.language, None)  # once per stored reply
    found = Finding(result.tier, list(result.flags), list(result.evidence))
    if answer is not None:
        _answer(rt, session, enrollment, inbound, answer, found, now)
        if (checkin := conversation.checkin_items_too(questions, answer, inbound.body, items_for)) \
                and found.tier not in ESCALATED:
            _pain_or_checkin_items(rt, enrollment, answer, *checkin, found, now)
    inbound.tier, inbound.flags, inbound.evidence = found.tier, found.flags, found.evidence
    handled = HandledAs.ANSWER if answer is not None else HandledAs.TRIAGE
    return _act(rt, session, enrollment, inbound, opted_out, found, handled, answer, now)


def pathway_items(rt: Runtime, enrollment: Enrollment, question: Outbox) -> tuple[str, ...]:
    """The catalogue flags a numbered check-in lists, in order (from its schedule step)."""
    pathway = rt.library.pathways.get(enrollment.pathway)
    step = next((s for s in pathway.steps if s.id == question.step), None) if pathway else None
    return step.items if step is not None else ()


def _repeat_of_an_answer(session: Session, enrollment: Enrollment, inbound: Inbound, now: datetime) -> bool:
    earlier = session.scalars(select(Inbound).where(
        Inbound.enrollment_id == enrollment.id, Inbound.id != inbound.id, Inbound.handled_as == HandledAs.ANSWER,
        Inbound.received_at >= now - timedelta(minutes=DUPLICATE_MINUTES))).all()
    said = " ".join(inbound.body.lower().split())
    return any(" ".join(e.body.lower().split()) == said for e in earlier)


def _answer(rt: Runtime, session: Session, enrollment: Enrollment, inbound: Inbound,
            answer: conversation.Answer, found: Finding, now: datetime) -> None:
    question = answer.question
    if answer.kind == "pain":
        pain.answer(rt, session, enrollment, inbound, answer, found, now)
    elif answer.kind in ("red_flag_screen", "yes_no"):
        value = answer.value
        assert isinstance(value, str | list)  # what screen_answer and yes_no give
        items = pathway_items(rt, enrollment, question)
        shown = value if isinstance(value, str) else "items:" + ",".join(map(str, value))
        if value == "none" and found.tier != Tier.NONE:
            shown = "no, with more"  # "no puedo orinar": not a clean "none" (triage acts on the rest)
        conversation.record_answer(session, question, "red_flag_screen", shown, inbound.id, now)
        if value == "yes":
            # A yes that names no item: the safer reading is urgent, with the 911 rule in the reply.
            found.raise_to(Tier.URGENT, "red_flag_screen_yes", "red_flag_screen_yes: " + repr(inbound.body))
            found.key = "screen_yes_reply"
        elif isinstance(value, list):
            for number in value:
                flag = items[number - 1]
                found.raise_to(flag_tier(flag), flag, f"{flag}: check-in item {number}")
    elif answer.kind == "instrument":
        assert question.content_key is not None  # an instrument item names its content key
        conversation.record_answer(session, question, question.content_key, str(answer.value), inbound.id, now)
        instruments.answer(session, enrollment, inbound, question, found, now)
        if answer.extra_words:
            found.review = found.review or "no_answer_words"
    elif answer.kind == "meds_helping":
        conversation.record_answer(session, question, "pain_meds_helping", str(answer.value), inbound.id, now)
        if answer.value == "no":
            found.raise_to(Tier.URGENT, "pain_meds_not_helping", "severe pain, medicine not helping")
        else:
            found.key, found.review = "ack_pain_high", "pain_high"
    if answer.extra_words and found.review is None and not is_benign(_rest(inbound.body)):
        found.review = "no_answer_words"  # "no, but ...": a person reads the rest


def _pain_or_checkin_items(rt: Runtime, enrollment: Enrollment, answer: conversation.Answer, checkin: Outbox,
                         numbers: list[int], found: Finding, now: datetime) -> None:
    """A pain answer that may mean items of the open red-flag check-in ("3" after both questions went
    out): it stays the pain score, and the reply says at once what to do if it meant those items, each
    by its catalogue tier (emergency: the ER or 911; otherwise call the office today), and a person
    checks it (review reason `ambiguous_answer`). A safety reply: no cap holds it back."""
    flags = pathway_items(rt, enrollment, checkin)
    text = rt.library.content[enrollment.language][checkin.content_key or ""].text
    clauses = []
    for number in numbers:
        flag = flags[number - 1]
        key = "safety_item_911" if flag_tier(flag) == Tier.EMERGENCY else "safety_item_today"
        words = item_words(text, number, len(flags)) or flag
        clauses.append(render(rt, enrollment.language, key, enrollment, now, number=str(number), item=words))
    assert isinstance(answer.value, tuple)  # a pain answer's value: its (back, leg) pair
    scores = [f"{v:g}" for v in answer.value if v is not None]
    pain_words = scores[0] if len(scores) == 1 else \
        render(rt, enrollment.language, "pain_back_leg", enrollment, now, back=scores[0], leg=scores[1])
    meant = ", ".join(f"{n} ({flags[n - 1]})" for n in numbers)
    also = f"; {found.review}" if found.review else ""  # pain_rising: the same person reads it, sooner
    found.detail = f"pain {' '.join(scores)}, or check-in item{'s' if len(numbers) > 1 else ''} {meant}{also}"
    found.key, found.review, found.expects = "ambiguous_pain_reply", "ambiguous_answer", None
    found.evidence.append(f"ambiguous_answer: {found.detail}")
    found.values = {"pain": pain_words, "safety_items": " ".join(clauses)}


def _rest(body: str) -> str:
    """What a reply says besides its answer: "no, all good" -> ", all good"; "6, thanks" -> ", thanks"."""
    return re.sub(r"^\s*(yes|y|yeah|yep|s[ií]|no|nope|nah)\b", " ", re.sub(r"\d+", " ", body), flags=re.I)


def _act(rt: Runtime, session: Session, enrollment: Enrollment, inbound: Inbound, opted_out: bool,
         found: Finding, handled: HandledAs, answer, now: datetime) -> Outcome:
    def reply(key: str, due: datetime | None = None, expects: str | None = None) -> str | None:
        return say(rt, session, enrollment, enrollment.phone, key, inbound, now, opted_out, due=due,
                   expects=expects, values=found.values)

    outcome = Outcome(None, handled, found.tier)
    if found.tier in ESCALATED:
        esc = escalation.open_escalation(session, rt, enrollment, inbound.id, found.tier, found.flags,
                                         found.evidence, now)
        outcome.escalation_id = esc.id
        safety_key = "screen_yes_reply" if found.key == "screen_yes_reply" and found.tier == Tier.URGENT else \
            REPLY_KEYS[reply_for(found.flags, found.tier)]
        paged = escalation.pages_sent(session, esc) > 0
        outcome.reply = reply(safety_key if paged else safety_key + "_unpaged")
        return outcome
    reason = found.review or ("routine_reply" if found.tier == Tier.ROUTINE else None)
    if reason is None and answer is None and not is_benign(inbound.body):
        reason = "free_text"
    if reason == "pain_high":  # queued with the score, found again with the answer about medicine
        item = pain.open_high_item(session, rt, enrollment, inbound, now)
    elif reason is not None:
        item = review.add(session, rt, enrollment, inbound.id, reason, now,
                          found.detail or ", ".join(found.flags) or None)
    else:
        item = None
    key = found.key
    if reason == "no_answer_words" and found.expects is None:
        key = "answer_review_reply"
    if key is None and item is not None and reason is not None:
        key = {"routine_reply": "routine_reply", "free_text": "review_reply"}.get(reason, "answer_review_reply")
    if key is None and answer is not None:
        # A plain answer (a NO to the check-in, a low pain score, a questionnaire item) gets no
        # thank-you: at most 3 texts a day counts these too (clinical-review.md #37, top 8 #8).
        outcome.handled_as = handled
        return outcome
    if key is None:
        key = "ack_message"
        outcome.handled_as = HandledAs.BENIGN
    if item is None and fatigue.holds(session, enrollment, key, now):
        # A thank-you or the self-care advice on a day that already has 3 texts: not sent; the
        # answer is recorded all the same. A reply that goes with a review item is never held.
        log.info("inbound %s: %s not sent: the patient's day already has %d texts", inbound.id, key,
                 fatigue.MAX_TEXTS_PER_DAY)
        return outcome
    outcome.reply = reply(key, item.due_at if item is not None else None, found.expects)
    return outcome

