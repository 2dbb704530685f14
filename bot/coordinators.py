"""Care coordinators, each belonging to one clinic: a clinic's red flags page only its own
coordinators, and only they can acknowledge them by text. Added from the CLI, the dashboard and
the API through `add`, with the same checks everywhere."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.accounts import email_problem
from bot.audit import record
from bot.models import Clinic, Coordinator, OnCallOverride, OnCallShift
from bot.phones import mask_phone, parse_phone


class CoordinatorError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class NewCoordinator:
    name: str
    phone: str
    email: str
    on_call_rank: int | None


def validate(data: dict, region: str) -> NewCoordinator:
    """Strict: strings must be strings and the rank a whole number from 1 (no coercion of `{"a": 1}`)."""
    errors = []
    name, phone, email, rank = (data.get(k) for k in ("name", "phone", "email", "on_call_rank"))
    for field, value in (("name", name), ("phone", phone), ("email", email)):
        if not isinstance(value, str) or not value.strip():
            errors.append(f"{field}: required, as text")
        elif "\x00" in value or any(ord(c) < 32 for c in value):
            errors.append(f"{field}: contains a NUL or control character")
    if isinstance(phone, str) and phone.strip():
        try:
            phone = parse_phone(phone, region)
        except ValueError:
            errors.append("phone: not a valid mobile number")
    if isinstance(email, str) and email.strip() and (problem := email_problem(email)):
        errors.append(problem)
    if isinstance(name, str) and len(name) > 100:
        errors.append("name: at most 100 characters")
    if rank is not None and (isinstance(rank, bool) or not isinstance(rank, int) or not 1 <= rank <= 99):
        errors.append("on_call_rank: a whole number from 1 to 99, or empty")
    if errors:
        raise CoordinatorError(errors)
    assert isinstance(name, str) and isinstance(phone, str) and isinstance(email, str)  # checked above
    return NewCoordinator(name.strip(), phone, email.strip(), rank)


def add(session: Session, clinic: Clinic, new: NewCoordinator, actor: str) -> Coordinator:
    existing = session.scalars(select(Coordinator).where(Coordinator.phone == new.phone)).first()
    if existing is not None and (existing.active or existing.clinic_id != clinic.id):
        raise CoordinatorError(["phone: a coordinator with this phone already exists"])
    if existing is not None:  # removed earlier, back again: the same row keeps their paging history
        coordinator = existing
        coordinator.name, coordinator.email, coordinator.on_call_rank = new.name, new.email, new.on_call_rank
        coordinator.active = True
    else:
        coordinator = Coordinator(clinic_id=clinic.id, name=new.name, phone=new.phone, email=new.email,
                                  on_call_rank=new.on_call_rank)
        session.add(coordinator)
    session.flush()
    record(session, actor, "coordinator_added", f"coordinator:{coordinator.id}",
           {"rank": new.on_call_rank, "clinic_id": clinic.id})
    return coordinator


def edit(session: Session, coordinator: Coordinator, new: NewCoordinator, actor: str) -> Coordinator:
    if session.scalars(select(Coordinator.id).where(Coordinator.phone == new.phone,
                                                    Coordinator.id != coordinator.id)).first() is not None:
        raise CoordinatorError(["phone: a coordinator with this phone already exists"])
    changed = {k: getattr(new, k) for k in ("name", "phone", "email", "on_call_rank")
               if getattr(coordinator, k) != getattr(new, k)}
    for key, value in changed.items():
        setattr(coordinator, key, value)
    session.flush()
    record(session, actor, "coordinator_edited", f"coordinator:{coordinator.id}",
           {k: (mask_phone(v) if k == "phone" else v) for k, v in changed.items()})
    return coordinator


def remove(session: Session, coordinator: Coordinator, actor: str) -> None:
    """Never paged again, on no ladder and no shift; the row stays so past pages keep a name."""
    coordinator.active, coordinator.on_call_rank = False, None
    rows: list[OnCallShift | OnCallOverride] = [
        *session.scalars(select(OnCallShift).where(OnCallShift.clinic_id == coordinator.clinic_id)),
        *session.scalars(select(OnCallOverride).where(OnCallOverride.clinic_id == coordinator.clinic_id))]
    for row in rows:
        if coordinator.id in (row.ladder or []):
            row.ladder = [i for i in row.ladder if i != coordinator.id]
    session.flush()
    record(session, actor, "coordinator_removed", f"coordinator:{coordinator.id}")


def of_clinic(session: Session, clinic_id: int) -> list[Coordinator]:
    return list(session.scalars(select(Coordinator).where(Coordinator.clinic_id == clinic_id,
                                                          Coordinator.active.is_(True))
                                .order_by(Coordinator.on_call_rank.is_(None), Coordinator.on_call_rank,
                                          Coordinator.name)))


def describe(coordinator: Coordinator, show_phone: bool = False) -> dict:
    return {"id": coordinator.id, "clinic_id": coordinator.clinic_id, "name": coordinator.name,
            "phone": coordinator.phone if show_phone else mask_phone(coordinator.phone),
            "email": coordinator.email, "on_call_rank": coordinator.on_call_rank, "active": coordinator.active}
