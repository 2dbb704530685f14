"""Clinics: every patient, user and API token belongs to one. A single-clinic deployment never has
to think about it: patients enrolled from the CLI or with the global API_TOKEN join the clinic named
by CLINIC_NAME, created on first use."""
from __future__ import annotations

from typing import Literal, overload

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.audit import record
from bot.models import Clinic
from bot.settings import Settings


def in_clinic(model, clinic_id: int | None):
    """The one clinic-scope rule, for every query about a clinic's rows (patients, escalations, users,
    API tokens): the rows of `model` that belong to this clinic. An escalation belongs to the clinic
    whose coordinators it pages (Escalation.clinic_id: the patient's clinic, the default clinic for a
    sender we do not know), so whoever is paged for it sees it and may acknowledge it, and nobody else.
    A user without a clinic (made before clinics existed) sees the rows without one."""
    return model.clinic_id.is_(None) if clinic_id is None else model.clinic_id == clinic_id


@overload
def clinic_by_name(session: Session, name: str, create: Literal[True], phone: str | None = None) -> Clinic: ...
@overload
def clinic_by_name(session: Session, name: str, create: bool, phone: str | None = None) -> Clinic | None: ...


def clinic_by_name(session: Session, name: str, create: bool, phone: str | None = None) -> Clinic | None:
    clinic = session.scalars(select(Clinic).where(func.lower(Clinic.name) == name.strip().lower())).first()
    if clinic is None and create:
        clinic = Clinic(name=name.strip(), phone=phone, settings={})
        session.add(clinic)
        session.flush()
        record(session, "system", "clinic_created", f"clinic:{clinic.id}", {"name": clinic.name})
    return clinic


def default_clinic(session: Session, config: Settings) -> Clinic:
    return clinic_by_name(session, config.clinic_name, create=True, phone=config.clinic_phone)


def own_clinic(session: Session, clinic_id: int | None, config: Settings) -> Clinic:
    """A user's or an API token's clinic; the default clinic for one without (the deployment's API_TOKEN)."""
    return session.get_one(Clinic, clinic_id) if clinic_id is not None else default_clinic(session, config)
