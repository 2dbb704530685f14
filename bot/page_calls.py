"""Paging that wakes someone: a phone call beside the text when an emergency is still
unacknowledged after the first rung (an SMS at 3 a.m. is easy to sleep through).

The call reads the tier, the patient's first name and last initial, and the code, and asks to press
1; pressing 1 acknowledges the escalation in that coordinator's name, exactly like `ACK <code>`
(`escalation.acknowledge_by_call`).
Which tiers get calls is a per-clinic setting (`page_calls`, a list of tiers; emergencies only by
default). The call is an outbox row of kind `call` whose body is its TwiML: it is claimed, sent,
retried and recorded like any page; Twilio's call status callback records its outcome.
"""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from sqlalchemy.orm import Session

from bot.models import Clinic, Escalation
from bot.triage.result import Tier

DEFAULT_TIERS: tuple[str, ...] = (Tier.EMERGENCY,)
GATHER_SECONDS = 10


def tiers_for(clinic: Clinic | None) -> tuple[str, ...]:
    settings = (clinic.settings or {}) if clinic is not None else {}
    tiers = settings.get("page_calls")
    return tuple(tiers) if isinstance(tiers, list) else DEFAULT_TIERS


def wanted(session: Session, escalation: Escalation) -> bool:
    """Call as well as text: from the second paging round on (the first rung went unanswered), for
    the tiers the clinic chose."""
    clinic = session.get(Clinic, escalation.clinic_id) if escalation.clinic_id is not None else None
    return escalation.page_round >= 2 and escalation.tier in tiers_for(clinic)


def twiml(escalation: Escalation, patient: str, clinic_name: str, action_url: str) -> str:
    """What the coordinator hears: said twice, slowly, the code letter by letter."""
    code = ", ".join(escalation.code)
    words = (f"{escalation.tier} page from {clinic_name}. Patient {patient}. Code {code}. "
             "Press 1 to acknowledge.")
    say = f"<Say>{escape(words)}</Say>"
    return (f'<Response><Gather numDigits="1" timeout="{GATHER_SECONDS}" action={quoteattr(action_url)} '
            f'method="POST">{say}<Pause length="1"/>{say}</Gather>'
            "<Say>No key pressed. The page goes on.</Say></Response>")
