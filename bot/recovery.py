"""Claims nobody will finish: their holder died (heartbeat stale) or hangs past its lease.

Any live dispatcher runs `recover` before claiming. A dead process's rows that never reached
Twilio go straight back to `planned`; a row whose request may have left is settled by Twilio's
message log first (adopted when it is there), and only then sent again: an urgent one at once (a
late answer to a red flag is worse than the rare duplicate of a message Twilio creates more than
`HEARTBEAT_STALE_SECONDS` after the request), a routine one after `IN_DOUBT_RECHECK_SECONDS`.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from bot.outbox import lifecycle, liveness
from bot.runtime import Runtime

log = logging.getLogger(__name__)


def recover(rt: Runtime, now: datetime) -> int:
    """Release what dead or expired claims hold; return how many rows were released or settled."""
    recheck = timedelta(seconds=rt.settings.in_doubt_recheck_seconds)
    done = 0
    with rt.session() as session:
        # The common case, nothing expired, costs one indexed probe.
        if lifecycle.has_expired(session, now):
            done += lifecycle.reconcile_expired(session, now, recheck)
        claims = liveness.dead_claims(session, now, rt.settings.heartbeat_stale_seconds)
        unsent: dict[str, list[int]] = defaultdict(list)
        for c in claims:
            if not c.attempted:
                unsent[c.owner].append(c.row_id)
        for owner, ids in unsent.items():
            done += lifecycle.release_unsent(session, owner, ids)
            log.warning("recovered %d unsent texts claimed by %s, whose heartbeat stopped", len(ids), owner)
    for c in claims:
        if c.attempted:
            done += _settle(rt, c, now, recheck)
    return done


def _settle(rt: Runtime, c: liveness.DeadClaim, now: datetime, recheck: timedelta) -> int:
    assert c.since is not None  # an attempted claim has its first attempt's time
    with rt.session() as session:
        try:
            found = lifecycle.lookup(session, rt.transport, c.row_id, c.to, c.body or "", c.since)
        except Exception:  # the log unreadable: nothing may be sent; look again later
            log.warning("outbox %s: Twilio message log unavailable; dead claim released in doubt", c.row_id)
            return int(lifecycle.release(session, c.row_id, c.owner, now + recheck, in_doubt=True))
        if found is not None:
            return int(lifecycle.adopt(session, c.row_id, c.owner, found.sid, found.status, now))
        due = now if c.urgent else now + recheck
        log.warning("outbox %s: its sender died during the request and Twilio's log has no such message; "
                    "sending again at %s", c.row_id, due)
        return int(lifecycle.release(session, c.row_id, c.owner, due, in_doubt=True))
