"""Escalations: a red flag pages the on-call ladder until a named person acknowledges it.

Rank 1 is paged first; if nobody acknowledges within the tier's time (5 minutes for an emergency,
15 for urgent, configurable), the next rank is paged; after the last rank, everyone is paged again,
round after round, until someone acknowledges. Every change is in the audit log.
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import record
from bot.clinics import default_clinic
from bot.models import Coordinator, Enrollment, Escalation, Outbox
from bot.outbox import Kind, rows
from bot.runtime import Runtime

log = logging.getLogger(__name__)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a phone


class EscalationError(ValueError):
    pass


def timeout(rt: Runtime, tier: str) -> timedelta:
    minutes = rt.config["ESCALATION_EMERGENCY_MINUTES" if tier == "emergency" else "ESCALATION_URGENT_MINUTES"]
    return timedelta(minutes=minutes)


def _ranks(session: Session, clinic_id: int | None) -> list[int]:
    return sorted(set(session.scalars(select(Coordinator.on_call_rank).where(
        Coordinator.clinic_id == clinic_id, Coordinator.active.is_(True), Coordinator.on_call_rank.is_not(None)))))


def _coordinators(session: Session, clinic_id: int | None, rank: int | None) -> list[Coordinator]:
    """Who is paged: the escalation's own clinic's active coordinators only (a page names the
    patient), of one rank, or all of them in the everyone-again rounds."""
    query = (select(Coordinator).where(Coordinator.clinic_id == clinic_id, Coordinator.active.is_(True))
             .order_by(Coordinator.id))
    if rank is not None:
        query = query.where(Coordinator.on_call_rank == rank)
    return list(session.scalars(query))


def on_call_for(session: Session, clinic_id: int | None) -> list[Coordinator]:
    """Who a red flag from this clinic's patient pages first (rank 1, or everyone active when no one
    has a rank). Replies that say "we have alerted your care team", the dashboard's "nobody on call"
    banner and /healthz all ask here."""
    ranks = _ranks(session, clinic_id)
    return _coordinators(session, clinic_id, ranks[0] if ranks else None)


def pages_sent(session: Session, escalation: Escalation) -> int:
    """How many pages this escalation queued: a reply may say the team was alerted only if > 0."""
    return len(session.scalars(select(Outbox.id).where(Outbox.kind == Kind.PAGE,
                                                       Outbox.escalation_id == escalation.id)).all())


def open_escalation(session: Session, rt: Runtime, enrollment: Enrollment | None, inbound_id: int | None,
                    tier: str, flags: list[str], evidence: list[str], now: datetime) -> Escalation:
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
    # A sender we do not know belongs to no clinic yet: the default clinic's team reads it.
    clinic_id = enrollment.clinic_id if enrollment is not None and enrollment.clinic_id is not None else (
        default_clinic(session, rt.config).id)
    escalation = Escalation(code=code, enrollment_id=enrollment.id if enrollment else None, inbound_id=inbound_id,
                            clinic_id=clinic_id, tier=tier, flags=flags, evidence=evidence, status="open",
                            created_at=now)
    session.add(escalation)
    session.flush()
    record(session, "system", "escalation_opened", f"escalation:{escalation.id}", {"tier": tier, "flags": flags})
    ranks = _ranks(session, clinic_id)
    escalation.ladder_rank = ranks[0] if ranks else 0
    _page(session, rt, escalation, enrollment, _coordinators(session, clinic_id, ranks[0] if ranks else None), now)
    return escalation


def _page(session: Session, rt: Runtime, escalation: Escalation, enrollment: Enrollment | None,
          coordinators: list[Coordinator], now: datetime) -> None:
    escalation.page_round += 1
    escalation.next_page_at = now + timeout(rt, escalation.tier)
    if not coordinators:
        log.critical("escalation %s: no active coordinator to page; add one with `postop coordinator add`",
                     escalation.id)
    link = rt.public_url(f"/dashboard/escalations/{escalation.id}") or ""
    values = {"tier": escalation.tier.upper(), "flags": ", ".join(escalation.flags) or "unclear reply",
              "first_name": enrollment.first_name if enrollment else "unknown sender",
              "enrollment_id": enrollment.id if enrollment else "-", "code": escalation.code, "link": link,
              "clinic_name": rt.config["CLINIC_NAME"], "clinic_phone": rt.config["CLINIC_PHONE"]}
    body = rt.library.render("en", "page", values)
    for coordinator in coordinators:
        session.add(rows.page(escalation.id, escalation.page_round, coordinator.id, coordinator.phone, body, now,
                              escalation.enrollment_id))
    record(session, "system", "paged", f"escalation:{escalation.id}",
           {"round": escalation.page_round, "rank": escalation.ladder_rank,
            "coordinators": [c.name for c in coordinators]})


def watchdog(rt: Runtime, now: datetime) -> int:
    """Page the next rank for every open escalation whose time ran out. Returns how many were paged."""
    paged = 0
    with rt.session() as session:
        due = session.scalars(select(Escalation).where(Escalation.status == "open", Escalation.next_page_at <= now)
                              .order_by(Escalation.next_page_at).with_for_update(skip_locked=True)).all()
        for escalation in due:
            ranks = _ranks(session, escalation.clinic_id)
            later = [r for r in ranks if r > escalation.ladder_rank]
            if later:
                escalation.ladder_rank = later[0]
                targets = _coordinators(session, escalation.clinic_id, later[0])
            else:  # past the last rank: everyone, again and again, until someone answers
                escalation.ladder_rank = (ranks[-1] if ranks else 0) + 1
                targets = _coordinators(session, escalation.clinic_id, None)
            enrollment = session.get(Enrollment, escalation.enrollment_id) if escalation.enrollment_id else None
            _page(session, rt, escalation, enrollment, targets, now)
            paged += 1
    if paged:  # out now, not at the next dispatch pass
        rt.kick_urgent()
    return paged


def acknowledge(session: Session, escalation: Escalation, actor: str, now: datetime) -> None:
    if escalation.status != "open":
        raise EscalationError(f"escalation {escalation.id} is already {escalation.status}")
    escalation.status, escalation.acknowledged_by, escalation.acknowledged_at = "acknowledged", actor, now
    escalation.next_page_at = None
    rows.cancel_pages(session, escalation.id)
    record(session, actor, "escalation_acknowledged", f"escalation:{escalation.id}")


def resolve(session: Session, escalation: Escalation, actor: str, note: str, now: datetime) -> None:
    if not note.strip():
        raise EscalationError("a resolution needs a note")
    if escalation.status == "resolved":
        raise EscalationError(f"escalation {escalation.id} is already resolved")
    if escalation.status == "open":
        acknowledge(session, escalation, actor, now)
    escalation.status, escalation.resolved_by, escalation.resolved_at = "resolved", actor, now
    escalation.resolution_note = note.strip()
    record(session, actor, "escalation_resolved", f"escalation:{escalation.id}", {"note": note.strip()[:500]})


def next_page_in(escalation: Escalation, now: datetime) -> timedelta | None:
    if escalation.status != "open" or escalation.next_page_at is None:
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
