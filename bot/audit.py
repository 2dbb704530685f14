"""Who did what, when: every state change a coordinator or the service makes."""
from __future__ import annotations

from sqlalchemy.orm import Session

from bot.models import AuditLog
from bot.timeutil import utcnow


def record(session: Session, actor: str, action: str, subject: str | None = None,
           detail: dict | None = None) -> None:
    session.add(AuditLog(at=utcnow(), actor=actor, action=action, subject=subject, detail=detail or {}))
