"""Outbox statuses and kinds, and how far along each status is."""
from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """planned -> sending -> sent -> delivered | undelivered | failed; or cancelled | skipped.
    A StrEnum so the column keeps its plain strings (queries, migrations, the dashboard)."""
    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class Kind(StrEnum):
    PATHWAY = "pathway"  # a planned step of the care pathway
    SAFETY = "safety"
    PAGE = "page"            # to a coordinator, about an escalation (Outbox.escalation_id)
    # A phone call beside a page (bot/page_calls.py): `body` holds its TwiML, `answered_at` the
    # moment the coordinator pressed 1.
    CALL = "call"
    REPLY = "reply"          # our answer to an inbound text
    NUDGE = "nudge"          # after two unanswered check-ins
    ONEOFF = "oneoff"        # typed by a coordinator
    # The confirmation of a Spanish opt-out word (Twilio confirms only its own English ones): the one
    # text an opted-out number still gets.
    OPTOUT_CONFIRM = "optout_confirm"


# Not yet handed to Twilio for good: what pausing, STOP and "anything left to send?" look at.
LIVE = (Status.PLANNED, Status.SENDING)
# Reached the patient's phone, or at least Twilio: what counts as "asked" for check-ins.
ASKED = (Status.SENT, Status.DELIVERED)

# A status never moves to a lower rank: callbacks arrive late, twice, and out of order.
RANK = {Status.PLANNED: 0, Status.SENDING: 1, Status.SENT: 2, Status.DELIVERED: 3, Status.UNDELIVERED: 3,
        Status.FAILED: 3, Status.CANCELLED: 3, Status.SKIPPED: 3}

# Twilio's message status -> ours.
FROM_TWILIO = {"accepted": Status.SENT, "scheduled": Status.SENT, "queued": Status.SENT,
               "sending": Status.SENT, "sent": Status.SENT, "delivered": Status.DELIVERED,
               "read": Status.DELIVERED, "undelivered": Status.UNDELIVERED, "failed": Status.FAILED,
               "canceled": Status.CANCELLED}
# Twilio's call status -> ours: a call that was picked up is "delivered"; nobody answering is
# "undelivered" (the ladder goes on either way, until someone presses 1 or texts ACK).
FROM_TWILIO_CALL = {"queued": Status.SENT, "initiated": Status.SENT, "ringing": Status.SENT,
                    "in-progress": Status.DELIVERED, "completed": Status.DELIVERED, "busy": Status.UNDELIVERED,
                    "no-answer": Status.UNDELIVERED, "failed": Status.FAILED, "canceled": Status.CANCELLED}
