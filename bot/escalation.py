"""Escalations: a red flag pages the on-call ladder until a named person acknowledges it.

Whoever is on call at that moment (bot/oncall.py: the clinic's shift or override, else its on-call
ranks) is paged, first rung first; if nobody acknowledges within the tier's time (5 minutes for an
emergency, 15 for urgent, configurable), the next rung of whoever is on call then is paged; after the
last rung, everyone is paged again, round after round, until someone acknowledges. Every change is
in the audit log.
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import oncall, page_calls
from bot.audit import record
from bot.clinic_hours import for_clinic
from bot.clinics import default_clinic
from bot.identity import page_name
from bot.messages import render
from bot.models import Clinic, Coordinator, Enrollment, Escalation, Outbox
from bot.outbox import Kind, callbacks, rows
from bot.runtime import Runtime
from bot.settings import Settings
from bot.timeutil import utcnow
from bot.triage.result import Tier
from bot.vocabulary import EscalationStatus

log = logging.getLogger(__name__)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a phone


class EscalationError(ValueError):
    pass


def timeout(rt: Runtime, tier: str) -> timedelta:
    minutes = (rt.settings.escalation_emergency_minutes if tier == Tier.EMERGENCY
               else rt.settings.escalation_urgent_minutes)
    return timedelta(minutes=minutes)


def clinic_zone(session: Session, clinic_id: int | None, config: Settings) -> str:
    """The zone a clinic's shifts are written in (its `timezone` setting, else CLINIC_TIMEZONE/DEFAULT_TIMEZONE)."""
    return for_clinic(session.get(Clinic, clinic_id) if clinic_id is not None else None,
                      config.clinic_hours).timezone


def ladder(session: Session, clinic_id: int | None, config: Settings, now: datetime) -> oncall.OnCall:
    """Who is on call for the clinic at this moment, rung by rung (bot/oncall.py)."""
    return oncall.on_call_at(session, clinic_id, clinic_zone(session, clinic_id, config), now)


def _everyone(session: Session, clinic_id: int | None) -> list[Coordinator]:
    """The everyone-again rounds: the escalation's own clinic's active coordinators only (a page
    names the patient)."""
    return list(session.scalars(select(Coordinator).where(Coordinator.clinic_id == clinic_id,
                                                          Coordinator.active.is_(True)).order_by(Coordinator.id)))


def on_call_for(session: Session, clinic_id: int | None, config: Settings, now: datetime | None = None
                ) -> list[Coordinator]:
    """Who a red flag from this clinic's patient pages first (the first rung of whoever is on call
    now, or everyone active when nobody is). Replies that say "we have alerted your care team", the
    dashboard's "nobody on call" banner and /healthz all ask here."""
    rungs = ladder(session, clinic_id, config, now or utcnow()).rungs
    return rungs[0] if rungs else _everyone(session, clinic_id)


def pages_sent(session: Session, escalation: Escalation) -> int:
    """How many pages this escalation queued: a reply may say the team was alerted only if > 0."""
    return len(session.scalars(select(Outbox.id).where(Outbox.kind == Kind.PAGE,
                                                       Outbox.escalation_id == escalation.id)).all())


def open_escalation(session: Session, rt: Runtime, enrollment: Enrollment | None, inbound_id: int | None,
                    tier: str, flags: list[str], evidence: list[str], now: datetime) -> Escalation:
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
    # A sender we do not know belongs to no clinic yet: the default clinic's team reads it.
    clinic_id = enrollment.clinic_id if enrollment is not None and enrollment.clinic_id is not None else (
        default_clinic(session, rt.settings).id)
    escalation = Escalation(code=code, enrollment_id=enrollment.id if enrollment else None, inbound_id=inbound_id,
                            clinic_id=clinic_id, tier=tier, flags=flags, evidence=evidence,
                            status=EscalationStatus.OPEN, created_at=now)
    session.add(escalation)
    session.flush()
    record(session, "system", "escalation_opened", f"escalation:{escalation.id}", {"tier": tier, "flags": flags})
    on_call = ladder(session, clinic_id, rt.settings, now)
    escalation.ladder_rank = 1 if on_call.rungs else 0  # the rung paged (1 = first), 0 = nobody on call
    targets = on_call.rungs[0] if on_call.rungs else _everyone(session, clinic_id)
    _page(session, rt, escalation, enrollment, targets, now, on_call.label)
    return escalation


def _page(session: Session, rt: Runtime, escalation: Escalation, enrollment: Enrollment | None,
          coordinators: list[Coordinator], now: datetime, on_call: str) -> None:
    escalation.page_round += 1
    escalation.next_page_at = now + timeout(rt, escalation.tier)
    if not coordinators:
        log.critical("escalation %s: no active coordinator to page; add one with `postop coordinator add`",
                     escalation.id)
    link = rt.public_url(f"/dashboard/escalations/{escalation.id}") or ""
    patient = page_name(enrollment)
    values = {"tier": escalation.tier.upper(), "flags": ", ".join(escalation.flags) or "unclear reply",
              "first_name": patient, "enrollment_id": str(enrollment.id) if enrollment else "-",
              "code": escalation.code, "link": link}
    body = render(rt, "en", "page", None, None, **values)  # no patient: the deployment's clinic name and phone
    calls = page_calls.wanted(session, escalation, rt.settings)
    for coordinator in coordinators:
        session.add(rows.page(escalation.id, escalation.page_round, coordinator.id, coordinator.phone, body, now,
                              escalation.enrollment_id))
        if calls:  # the first rung went unanswered: ring as well as text
            path = f"/twilio/voice/gather?escalation_id={escalation.id}&coordinator_id={coordinator.id}"
            # Twilio needs an absolute URL for the key press; the simulator presses it itself.
            action = rt.public_url(path) or (path if rt.settings.simulator else None)
            twiml = page_calls.twiml(escalation, patient, rt.settings.clinic_name, action)
            session.add(rows.call(escalation.id, escalation.page_round, coordinator.id, coordinator.phone, twiml,
                                  now, escalation.enrollment_id))
    record(session, "system", "paged", f"escalation:{escalation.id}",
           {"round": escalation.page_round, "rank": escalation.ladder_rank,
            "coordinators": [c.name for c in coordinators], "on_call": on_call, "calls": calls})


def watchdog(rt: Runtime, now: datetime) -> int:
    """Page the next rank for every open escalation whose time ran out. Returns how many were paged."""
    paged = 0
    with rt.session() as session:
        due = session.scalars(select(Escalation)
                              .where(Escalation.status == EscalationStatus.OPEN, Escalation.next_page_at <= now)
                              .order_by(Escalation.next_page_at).with_for_update(skip_locked=True)).all()
        for escalation in due:
            # Whoever is on call now: a shift may have handed over since the last page.
            on_call = ladder(session, escalation.clinic_id, rt.settings, now)
            if escalation.ladder_rank < len(on_call.rungs):
                escalation.ladder_rank += 1
                targets = on_call.rungs[escalation.ladder_rank - 1]
            else:  # past the last rung: everyone, again and again, until someone answers
                escalation.ladder_rank = len(on_call.rungs) + 1
                targets = _everyone(session, escalation.clinic_id)
            enrollment = session.get(Enrollment, escalation.enrollment_id) if escalation.enrollment_id else None
            _page(session, rt, escalation, enrollment, targets, now, on_call.label)
            paged += 1
    if paged:  # out now, not at the next dispatch pass
        rt.kick_urgent()
    return paged


def acknowledge(session: Session, escalation: Escalation, actor: str, now: datetime) -> None:
    if escalation.status != EscalationStatus.OPEN:
        raise EscalationError(f"escalation {escalation.id} is already {escalation.status}")
    escalation.status = EscalationStatus.ACKNOWLEDGED
    escalation.acknowledged_by, escalation.acknowledged_at = actor, now
    escalation.next_page_at = None
    rows.cancel_pages(session, escalation.id)
    record(session, actor, "escalation_acknowledged", f"escalation:{escalation.id}")


def acknowledge_by_call(session: Session, escalation_id: int, coordinator_id: int, digits: str, call_sid: str,
                        now: datetime) -> str:
    """A key pressed during the call. Returns what to say back. Only a coordinator of the
    escalation's own clinic can acknowledge (as by text)."""
    escalation = session.get(Escalation, escalation_id)
    coordinator = session.get(Coordinator, coordinator_id)
    if escalation is None or coordinator is None or coordinator.clinic_id != escalation.clinic_id:
        return "This page was not found."
    if digits != "1":
        return "Not acknowledged. Press 1 to acknowledge."
    callbacks.call_answered(session, escalation_id, coordinator.phone, call_sid, now)
    if escalation.status != EscalationStatus.OPEN:
        return f"Already {escalation.status} by {escalation.acknowledged_by}."
    try:
        acknowledge(session, escalation, coordinator.name, now)
    except EscalationError:
        return "This page is no longer open."
    record(session, coordinator.name, "acknowledged_by_call", f"escalation:{escalation.id}",
           {"call_sid": call_sid})
    return f"Acknowledged by {coordinator.name}. Paging stopped. Thank you."


def resolve(session: Session, escalation: Escalation, actor: str, note: str, now: datetime) -> None:
    if not note.strip():
        raise EscalationError("a resolution needs a note")
    if escalation.status == EscalationStatus.RESOLVED:
        raise EscalationError(f"escalation {escalation.id} is already resolved")
    if escalation.status == EscalationStatus.OPEN:
        acknowledge(session, escalation, actor, now)
    escalation.status, escalation.resolved_by, escalation.resolved_at = EscalationStatus.RESOLVED, actor, now
    escalation.resolution_note = note.strip()
    record(session, actor, "escalation_resolved", f"escalation:{escalation.id}", {"note": note.strip()[:500]})


def next_page_in(escalation: Escalation, now: datetime) -> timedelta | None:
    if escalation.status != EscalationStatus.OPEN or escalation.next_page_at is None:
        return None
    return max(escalation.next_page_at - now, timedelta(0))


def describe(escalation: Escalation, now: datetime) -> dict:
    left = next_page_in(escalation, now)
    return {"id": escalation.id, "code": escalation.code, "enrollment_id": escalation.enrollment_id,
            "tier": escalation.tier, "flags": escalation.flags, "evidence": escalation.evidence,
            "status": escalation.status, "created_at": escalation.created_at.isoformat() + "Z",
            "ladder_rank": escalation.ladder_rank, "page_round": escalation.page_round,
            "next_page_in_seconds": int(left.total_seconds()) if left is not None else None,
            "acknowledged_by": escalation.acknowledged_by, "resolved_by": escalation.resolved_by,
            "resolution_note": escalation.resolution_note}
