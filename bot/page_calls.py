"""Paging that wakes someone: a phone call beside the text when an emergency is still
unacknowledged after the first rung (an SMS at 3 a.m. is easy to sleep through).

The call reads the tier, the patient's first name and last initial, and the code, and asks to press
1; pressing 1 acknowledges the escalation in that coordinator's name, exactly like `ACK <code>`
(`escalation.acknowledge_by_call`).
Which tiers get calls is a per-clinic setting (`page_calls`, a list of tiers; emergencies only by
default). The call is an outbox row of kind `call` whose body is its TwiML: it is claimed, sent,
retried and recorded like any page; Twilio's call status callback records its outcome.

A call needs a number to call from (TWILIO_FROM_NUMBER: a Messaging Service cannot place calls) and
PUBLIC_URL for the key press and the outcome to come back to. Without the number no call is placed
(pages go by text only); without PUBLIC_URL the call still rings and asks for ACK by text. Either
is said at start-up, on /healthz and on the on-call page (`unavailable`).
"""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from sqlalchemy.orm import Session

from bot.models import Clinic, Escalation
from bot.settings import Settings
from bot.triage.result import Tier

DEFAULT_TIERS: tuple[str, ...] = (Tier.EMERGENCY,)
GATHER_SECONDS = 10


def tiers_for(clinic: Clinic | None) -> tuple[str, ...]:
    settings = (clinic.settings or {}) if clinic is not None else {}
    tiers = settings.get("page_calls")
    return tuple(tiers) if isinstance(tiers, list) else DEFAULT_TIERS


def unavailable(settings: Settings) -> list[str]:
    """What keeps paging calls from working with these settings (empty when nothing does). The
    simulator rings its own phones and needs neither."""
    if settings.simulator:
        return []
    problems = []
    if not settings.twilio_from_number:
        problems.append("paging calls cannot ring: TWILIO_FROM_NUMBER is not set (a Messaging Service cannot "
                        "place calls), so pages go by text only")
    if not settings.public_url:
        problems.append("paging calls cannot take a key press or report their outcome: PUBLIC_URL is not set, "
                        "so a call asks for ACK by text")
    return problems


def can_ring(settings: Settings) -> bool:
    return settings.simulator or bool(settings.twilio_from_number)


def wanted(session: Session, escalation: Escalation, settings: Settings) -> bool:
    """Call as well as text: from the second paging round on (the first rung went unanswered), for
    the tiers the clinic chose, when the deployment has a number to call from."""
    clinic = session.get(Clinic, escalation.clinic_id) if escalation.clinic_id is not None else None
    return escalation.page_round >= 2 and escalation.tier in tiers_for(clinic) and can_ring(settings)


def twiml(escalation: Escalation, patient: str, clinic_name: str, action_url: str | None) -> str:
    """What the coordinator hears: said twice, slowly, the code letter by letter. Without a URL for
    the key press to reach (no PUBLIC_URL) it asks for ACK by text instead of a key."""
    code = ", ".join(escalation.code)
    heard = f"{escalation.tier} page from {clinic_name}. Patient {patient}. Code {code}. "
    if action_url is None:
        say = f"<Say>{escape(heard + 'Reply to the text page with ACK and the code to acknowledge.')}</Say>"
        return f'<Response>{say}<Pause length="1"/>{say}</Response>'
    words = heard + "Press 1 to acknowledge."
    say = f"<Say>{escape(words)}</Say>"
    return (f'<Response><Gather numDigits="1" timeout="{GATHER_SECONDS}" action={quoteattr(action_url)} '
            f'method="POST">{say}<Pause length="1"/>{say}</Gather>'
            "<Say>No key pressed. The page goes on.</Say></Response>")
