"""The outbox lifecycle, in one place.

Every text the service sends is an `Outbox` row; this package is the only code that creates rows
of each kind (`rows`), moves them through their states (`lifecycle`: claim, begin a send, mark it
sent, schedule a retry, settle an in-doubt send, reconcile an abandoned claim) and applies
Twilio's status callbacks (`callbacks`). Other modules call these functions rather than writing
`status` themselves, so the rules below hold everywhere:

- a claim carries its owner and a lease; a process that no longer owns a row neither sends it nor
  writes its status; the owner names its process, whose heartbeat (`liveness`) lets the others
  recover the claims of a dead process in seconds rather than after the lease;
- a send whose outcome is unknown (timeout, dropped connection, 5xx) is *in doubt*: it is never
  sent again before Twilio's message log, searched from before the first attempt, says it does not
  exist; a message that appears late is adopted;
- statuses only move forward (a late "sent" callback never undoes "delivered").
"""
from bot.outbox.states import LIVE, RANK, Kind, Status

__all__ = ["LIVE", "RANK", "Kind", "Status"]
