"""Carrier keywords. A keyword is the whole message (trimmed, any case, trailing punctuation allowed):
"STOP" opts out, "I can't stop shaking" is a symptom and goes to triage."""
from __future__ import annotations

import re

OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
OPT_IN = {"START", "UNSTOP"}
OPT_IN_WHEN_OPTED_OUT = {"YES"}  # "yes" is an answer to a question unless the number is opted out
HELP = {"HELP", "INFO"}
_TRAILING = re.compile(r"[\s.!?¡¿,;:'\"]+$")
_ACK = re.compile(r"^\s*ACK\s+([A-Z0-9]{4,12})\s*[.!]*\s*$", re.IGNORECASE)


def keyword(body: str, opted_out: bool) -> str | None:
    """'opt_out', 'opt_in', 'help' or None."""
    word = _TRAILING.sub("", body.strip()).strip().upper()
    if word in OPT_OUT:
        return "opt_out"
    if word in OPT_IN or (opted_out and word in OPT_IN_WHEN_OPTED_OUT):
        return "opt_in"
    if word in HELP:
        return "help"
    return None


def ack_code(body: str) -> str | None:
    """The code in a coordinator's 'ACK K7P2QX', if the message is exactly that."""
    m = _ACK.match(body)
    return m.group(1).upper() if m else None
