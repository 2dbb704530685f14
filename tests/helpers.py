"""Small helpers shared by tests."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot import enrollment
from bot.models import Outbox
from tests.conftest import AUTH_TOKEN, PUBLIC_URL


def enroll(rt, now: datetime, **fields):
    data = {"first_name": "Ana", "phone": "+12025550143", "surgery_date": "2026-11-20",
            "timezone": "America/New_York", "language": "en"}
    data.update(fields)
    with rt.session() as session:
        return enrollment.create(session, rt, enrollment.validate(data, rt, now.date()), "test", now)


def outbox(rt, **filters) -> list[Outbox]:
    with rt.session() as session:
        query = select(Outbox).order_by(Outbox.due_at, Outbox.id)
        for name, value in filters.items():
            query = query.where(getattr(Outbox, name) == value)
        return list(session.scalars(query))


def signed_post(client, path: str, form: dict, token: str = AUTH_TOKEN, url: str | None = None, **kw):
    """POST a form the way Twilio does, signed for the public URL."""
    signature = RequestValidator(token).compute_signature(url or PUBLIC_URL + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature}, **kw)
