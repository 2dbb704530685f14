"""Storing a reply (the webhook) and claiming it for processing (the webhook's worker, the sweep).

A reply is stored once: de-duplicated on MessageSid and, when Twilio sends one, on its
I-Twilio-Idempotency-Token (the same across Twilio's retries of one webhook). It is then processed
once: a processor first claims it with a conditional UPDATE of an unclaimed row, which works the
same on SQLite and PostgreSQL, so the webhook's background worker and the clock's sweep never both
act on it. A claim left by a crash expires after CLAIM_SECONDS and the sweep takes it.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from bot import db
from bot.models import Inbound

CLAIM_SECONDS = 300
TOKEN_MAX = 64


def clean_text(value: str) -> str:
    """NUL cannot be stored in a PostgreSQL text column (the insert would fail on every Twilio
    retry, for ever): it becomes U+FFFD, and the rest of the message is kept and processed."""
    return value.replace("\x00", "\ufffd")


def token_key(token: str | None) -> str | None:
    """Twilio's idempotency token as stored: as sent when it fits, else its SHA-256."""
    if not token:
        return None
    return token if len(token) <= TOKEN_MAX else hashlib.sha256(token.encode()).hexdigest()


def store(session: Session, message_sid: str, from_phone: str, body: str, to_phone: str | None,
          now: datetime, token: str | None = None) -> int | None:
    """Insert the message unless it is already here (a Twilio retry). Returns the new id, None for
    a message already stored."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    row = insert(Inbound).values(message_sid=message_sid, from_phone=from_phone, to_phone=to_phone,
                                 body=clean_text(body), received_at=now, flags=[], evidence=[], attempts=0,
                                 idempotency_token=token_key(token))
    # No conflict target: a clash on MessageSid or on the idempotency token both mean "already here".
    return session.scalar(row.on_conflict_do_nothing().returning(Inbound.id))


def _free(now: datetime):
    return or_(Inbound.claimed_until.is_(None), Inbound.claimed_until < now)


def claim_next(session: Session, owner: str, now: datetime, skip: list[int]) -> int | None:
    """Claim the oldest unprocessed, unclaimed reply (not in `skip`) and commit; None when none is left.
    A sender's replies are taken in order: none while an earlier one of theirs is unprocessed (being
    processed, or waiting to be tried again), so processors working side by side never answer a
    patient's second text before their first, nor both against the same open question."""
    earlier = aliased(Inbound)
    in_turn = ~exists().where(earlier.from_phone == Inbound.from_phone, earlier.id < Inbound.id,
                              earlier.processed_at.is_(None))
    while True:
        query = select(Inbound.id).where(Inbound.processed_at.is_(None), _free(now), in_turn)
        if skip:
            query = query.where(Inbound.id.not_in(skip))
        candidate = session.scalar(query.order_by(Inbound.id).limit(1))
        if candidate is None:
            return None
        won = db.rowcount(session, update(Inbound)
                          .where(Inbound.id == candidate, Inbound.processed_at.is_(None), _free(now))
                          .values(claimed_by=owner, claimed_until=now + timedelta(seconds=CLAIM_SECONDS)))
        session.commit()
        if won:
            return candidate
        skip.append(candidate)  # another processor has it


def hold(session: Session, inbound_id: int, owner: str) -> Inbound | None:
    """Lock our claimed reply for this transaction (the UPDATE takes PostgreSQL's row lock and
    SQLite's write lock); None if it is not ours any more or already processed."""
    held = db.rowcount(session, update(Inbound).where(Inbound.id == inbound_id, Inbound.claimed_by == owner,
                                                      Inbound.processed_at.is_(None))
                                .values(claimed_until=Inbound.claimed_until))
    return session.get(Inbound, inbound_id, populate_existing=True) if held else None


def release(session: Session, inbound_id: int, owner: str) -> None:
    """Processing failed: count it and let the next pass try again."""
    session.execute(update(Inbound).where(Inbound.id == inbound_id, Inbound.claimed_by == owner)
                    .values(attempts=Inbound.attempts + 1, claimed_by=None, claimed_until=None))
