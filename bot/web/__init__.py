"""Blueprints: `twilio` (webhooks), `api` (enrollment and escalation API), `ops` (health, metrics)."""
from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from bot.runtime import Runtime


def rt() -> Runtime:
    return current_app.extensions["runtime"]


def db() -> Session:
    """The request's session, closed at teardown; commit explicitly."""
    if "db" not in g:
        g.db = rt().sessions()
    return g.db


def close_db(_exc=None) -> None:
    """Teardown: close the request's session if it opened one."""
    session = g.pop("db", None)
    if session is not None:
        session.close()
