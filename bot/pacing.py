"""Send pacing per sender, in message segments per second (Twilio counts segments, not texts).

The next free slot of each sender lives in the database, so the rate holds however many dispatch
threads, processes or machines share one Twilio number.
"""
from __future__ import annotations

from sqlalchemy import case, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import SenderPace


def reserve(session: Session, sender: str, now: float, cost: float) -> float:
    """Book `cost` seconds of the sender's time; return when our slot starts (epoch seconds)."""
    for _ in range(2):
        booked = session.scalars(
            update(SenderPace).where(SenderPace.sender == sender)
            .values(next_at=case((SenderPace.next_at > now, SenderPace.next_at), else_=now) + cost)
            .returning(SenderPace.next_at)).first()
        if booked is not None:
            return booked - cost
        try:
            with session.begin_nested():
                session.add(SenderPace(sender=sender, next_at=now))
        except IntegrityError:  # another dispatcher created it first; book against theirs
            pass
    raise RuntimeError(f"cannot book a send slot for {sender}")


def wait_for_slot(rt, sender: str, segments: int) -> float:
    """Block until this sender may send `segments` more; return the seconds waited."""
    now = rt.clock()
    with rt.session() as session:
        start = reserve(session, sender, now, segments / rt.config["SEND_RATE"])
    wait = start - now
    if wait > 0:
        rt.sleep(wait)
    return max(wait, 0.0)
