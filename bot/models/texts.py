"""Texts in and out: the outbox (every text sent or to send), the senders' pace, the replies."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base
from bot.outbox.states import Kind, Status
from bot.timeutil import utcnow


class Outbox(Base):
    """Every text the service will send, is sending, or sent. The truth; the scheduler only wakes dispatch."""
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique per (enrollment, step, occurrence) for pathway texts; per event for replies and pages.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id"), index=True)
    to_phone: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(16), default=Kind.PATHWAY)
    # The escalation a page is about (pages of an acknowledged escalation are cancelled through it).
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"), index=True)
    step: Mapped[str | None] = mapped_column(String(100))
    day: Mapped[int | None] = mapped_column(Integer)
    content_key: Mapped[str | None] = mapped_column(String(100))
    # What an answer to this text means (pain_score, redflag_list, yes_no), if it asks something; it
    # stays open until answered or asked again (bot/conversation.py).
    expects: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str | None] = mapped_column(Text)
    # Safety texts and pages jump the queue and ignore quiet hours and pacing.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime] = mapped_column(DateTime)
    # Changed only through bot.outbox
    status: Mapped[str] = mapped_column(String(16), default=Status.PLANNED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The dispatch pass that holds the claim, and until when; only that pass may send or write status.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    # When the first request to Twilio began: every message-log search starts there.
    first_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    # An attempt may have created the message (timeout, dropped connection, 5xx, expired claim):
    # Twilio's log is searched before any further attempt.
    in_doubt: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    twilio_status: Mapped[str | None] = mapped_column(String(32))
    segments: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(String(300))
    # For questions (expects set): when the patient replied, and whether the silence check saw it.
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    silence_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        # Dispatch only ever looks at the due end of the live states; a partial index keeps that scan
        # proportional to what is due, not to the history of every text ever sent. Its order is the
        # claim's order (safety first, then oldest), so claiming never sorts the backlog.
        Index("ix_outbox_due", urgent.desc(), "due_at",
              sqlite_where=text("status = 'planned'"), postgresql_where=text("status = 'planned'")),
        Index("ix_outbox_sending", "lease_until",
              sqlite_where=text("status = 'sending'"), postgresql_where=text("status = 'sending'")),
        # The silence check walks only questions it has not looked at yet.
        Index("ix_outbox_unchecked_questions", "sent_at",
              sqlite_where=text("expects IS NOT NULL AND NOT silence_checked"),
              postgresql_where=text("expects IS NOT NULL AND NOT silence_checked")),
    )


class SenderPace(Base):
    """Next free send slot per sender, shared by every dispatcher so the rate holds across machines."""
    __tablename__ = "sender_pace"
    sender: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float, default=0.0)


class Inbound(Base):
    """Every text a patient (or anyone) sent us, stored before anything acts on it."""
    __tablename__ = "inbound"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    # Twilio's I-Twilio-Idempotency-Token header: the same across Twilio's retries of one webhook,
    # a second de-duplication key beside MessageSid.
    idempotency_token: Mapped[str | None] = mapped_column(String(64))
    from_phone: Mapped[str] = mapped_column(String(20), index=True)
    to_phone: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # bot.vocabulary.HandledAs
    handled_as: Mapped[str | None] = mapped_column(String(32))
    tier: Mapped[str | None] = mapped_column(String(16))
    flags: Mapped[list] = mapped_column(JSON, default=list)
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    # What we answered (the text itself goes out through the outbox).
    reply_body: Mapped[str | None] = mapped_column(Text)
    # Stored by the webhook, acted on by the processor right after; a crash in between leaves
    # processed_at empty and the clock's sweeper picks it up. attempts counts failed processing runs.
    processed_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Who is processing it, until when: the webhook's worker and the clock's sweep never both do.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        Index("uq_inbound_idempotency_token", "idempotency_token", unique=True),
        Index("ix_inbound_unprocessed", "id",
              sqlite_where=text("processed_at IS NULL"), postgresql_where=text("processed_at IS NULL")),
    )
