"""Send pacing per sender, in message segments per second (Twilio counts segments, not texts).

The next free slot of each sender lives in the database, so the rate holds however many dispatch
threads, processes or machines share one Twilio number.
"""
from __future__ import annotations

from sqlalchemy import case, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.models import SenderPace


def reserve(session: Session, sender: str, now: float, cost: float) -> float:
    """Book `cost` seconds of the sender's time; return when our slot starts (epoch seconds)."""
    booked = session.scalars(
        update(SenderPace).where(SenderPace.sender == sender)
        .values(next_at=case((SenderPace.next_at > now, SenderPace.next_at), else_=now) + cost)
        .returning(SenderPace.next_at).execution_options(synchronize_session=False)).one_or_none()
    if booked is None:  # the sender's first text ever: one insert, then the update above for good
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(SenderPace).values(sender=sender, next_at=now).on_conflict_do_nothing())
        return reserve(session, sender, now, cost)
    return booked - cost


def book(session: Session, rt, sender: str, segments: int) -> float:
    """Book a slot in the caller's transaction (one commit less per text); return the seconds to
    wait once it is committed. Call it last before the commit: the pacing row stays locked until then."""
    now = rt.clock()
    return max(reserve(session, sender, now, segments / rt.settings.send_rate) - now, 0.0)


def wait_for_slot(rt, sender: str, segments: int) -> float:
    """Block until this sender may send `segments` more; return the seconds waited."""
    with rt.session() as session:
        wait = book(session, rt, sender, segments)
    if wait > 0:
        rt.sleep(wait)
    return wait
