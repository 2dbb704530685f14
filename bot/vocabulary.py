"""The small vocabularies stored in table columns: enrollment and escalation statuses, how an
inbound text was handled, dashboard roles.

Each is a StrEnum, so the columns, JSON and the dashboard keep their plain strings (no migration)
and a member compares equal to its string. This module imports nothing from bot, so the models,
the jobs and the web can all use it. Tiers live in bot.triage.result, outbox statuses and kinds in
bot.outbox.states.
"""
from __future__ import annotations

from enum import StrEnum


class EnrollmentStatus(StrEnum):
    """active <-> paused; either -> unenrolled (a coordinator) or completed (the pathway ran out)."""
    ACTIVE = "active"
    PAUSED = "paused"
    UNENROLLED = "unenrolled"
    COMPLETED = "completed"


# Still enrolled: at most one such enrollment per phone (the models' partial unique index says the same).
LIVE_ENROLLMENT = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)


class EscalationStatus(StrEnum):
    """open -> acknowledged -> resolved; only an open escalation pages."""
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


UNRESOLVED = (EscalationStatus.OPEN, EscalationStatus.ACKNOWLEDGED)


class HandledAs(StrEnum):
    """What the service made of an inbound text (Inbound.handled_as)."""
    ANSWER = "answer"                  # an answer to the open check-in question
    TRIAGE = "triage"                  # read by triage
    BENIGN = "benign"                  # positively recognised as needing nobody ("ok", "thanks")
    DUPLICATE = "duplicate"            # Twilio's retry of a text already stored
    DUPLICATE_ANSWER = "duplicate_answer"  # the same answer resent within minutes
    HELP = "help"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    UNKNOWN_SENDER = "unknown_sender"
    COORDINATOR = "coordinator"        # a coordinator's ACK from their phone
    ERROR = "error"                    # processing failed for good; a person reads it


class Role(StrEnum):
    COORDINATOR = "coordinator"
    ADMIN = "admin"
