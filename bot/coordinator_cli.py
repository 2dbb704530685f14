"""`postop coordinator list|add|edit|remove`: a clinic's care coordinators, who its red flags page.

The same checks as the dashboard's coordinators page and the API (bot/coordinators.py)."""
from __future__ import annotations

import json
import sys

import click
from sqlalchemy import select

from bot import coordinators
from bot.cli_runtime import command_runtime
from bot.clinics import clinic_by_name, default_clinic
from bot.models import Clinic, Coordinator
from bot.phones import mask_phone


def _fail(errors: list[str]) -> None:
    for line in errors:
        click.echo(f"error: {line}", err=True)
    sys.exit(1)


def _active(session, coordinator_id: int) -> Coordinator:
    found = session.get(Coordinator, coordinator_id)
    if found is None or not found.active:
        _fail([f"coordinator {coordinator_id}: not found"])
    return found


@click.group("coordinator")
def coordinator_group() -> None:
    """Care coordinators who are paged for red flags."""


@coordinator_group.command("list")
@click.option("--clinic", default=None, help="Only this clinic (default: every clinic)")
@click.option("--json", "as_json", is_flag=True, help="JSON lines (phones masked)")
def coordinator_list(clinic: str | None, as_json: bool) -> None:
    """Every active coordinator: clinic, on-call rank, name, phone (masked), email."""
    rt = command_runtime()
    with rt.session() as session:
        query = (select(Coordinator, Clinic).join(Clinic, Clinic.id == Coordinator.clinic_id)
                 .where(Coordinator.active.is_(True))
                 .order_by(Clinic.name, Coordinator.on_call_rank.is_(None), Coordinator.on_call_rank, Coordinator.name))
        rows = [(c, k) for c, k in session.execute(query) if clinic is None or k.name.lower() == clinic.lower()]
        for c, k in rows:
            if as_json:
                click.echo(json.dumps(coordinators.describe(c) | {"clinic": k.name}))
            else:
                click.echo(f"{c.id:>4}  {k.name[:28]:<28}  rank {c.on_call_rank or '-':<3} {c.name[:28]:<28}  "
                           f"{mask_phone(c.phone)}  {c.email}")
        if not rows and not as_json:
            click.echo("no coordinators: red flags page no one (postop coordinator add ...)")


@coordinator_group.command("add")
@click.option("--name", required=True)
@click.option("--phone", required=True, help="Mobile that receives pages and sends ACK <code>")
@click.option("--email", required=True)
@click.option("--on-call-rank", type=click.IntRange(min=1, max=99), default=None,
              help="1 is paged first, then 2, ...; without a rank only a shift or the everyone-again round pages them")
@click.option("--clinic", default=None, help="The clinic whose red flags page them (default: CLINIC_NAME)")
def coordinator_add(name: str, phone: str, email: str, on_call_rank: int | None, clinic: str | None) -> None:
    """Register a coordinator of a clinic; prints the id."""
    rt = command_runtime()
    with rt.session() as session:
        try:
            new = coordinators.validate({"name": name, "phone": phone, "email": email, "on_call_rank": on_call_rank},
                                        rt.settings.default_phone_region)
            home = clinic_by_name(session, clinic, create=False) if clinic else default_clinic(session, rt.settings)
            if home is None:
                raise coordinators.CoordinatorError([f"clinic: no clinic named {clinic!r}"])
            coordinator = coordinators.add(session, home, new, "cli")
        except coordinators.CoordinatorError as e:
            _fail(e.errors)
    click.echo(coordinator.id)


@coordinator_group.command("edit")
@click.argument("coordinator_id", type=int)
@click.option("--name", default=None)
@click.option("--phone", default=None)
@click.option("--email", default=None)
@click.option("--on-call-rank", type=click.IntRange(min=0, max=99), default=None, help="0 takes the rank away")
def coordinator_edit(coordinator_id: int, name: str | None, phone: str | None, email: str | None,
                     on_call_rank: int | None) -> None:
    """Change a coordinator's name, phone, email or on-call rank (only what is given)."""
    rt = command_runtime()
    with rt.session() as session:
        found = _active(session, coordinator_id)
        rank = found.on_call_rank if on_call_rank is None else (on_call_rank or None)
        try:
            new = coordinators.validate({"name": name or found.name, "phone": phone or found.phone,
                                         "email": email or found.email, "on_call_rank": rank},
                                        rt.settings.default_phone_region)
            coordinators.edit(session, found, new, "cli")
        except coordinators.CoordinatorError as e:
            _fail(e.errors)
        click.echo(f"coordinator {coordinator_id}: {found.name}, rank {found.on_call_rank or '-'}")


@coordinator_group.command("remove")
@click.argument("coordinator_id", type=int)
def coordinator_remove(coordinator_id: int) -> None:
    """Never page this coordinator again (taken off every ladder and shift)."""
    rt = command_runtime()
    with rt.session() as session:
        found = _active(session, coordinator_id)
        coordinators.remove(session, found, "cli")
    click.echo(f"coordinator {coordinator_id}: removed")
