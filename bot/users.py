"""`postop user ...`: dashboard accounts and per-clinic API tokens from the command line.

`postop user create` makes the first admin (there is no sign-up page); later accounts can be made
the same way. Passwords come from a prompt (asked twice) or, for scripts, from stdin.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager

import click
from sqlalchemy import select

from bot import accounts
from bot.cli_runtime import command_runtime
from bot.clinics import clinic_by_name
from bot.models import Clinic, User
from bot.vocabulary import Role


@contextmanager
def _session():
    """A session (committed at the end); a refusal from bot.accounts is a command-line error."""
    rt = command_runtime()
    with rt.session() as session:
        try:
            yield session, rt
        except accounts.AccountError as e:
            raise click.ClickException(str(e)) from None


@click.group("user")
def user_group() -> None:
    """Dashboard accounts and API tokens."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True, help="Full name, shown on acknowledgements")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.COORDINATOR.value, show_default=True)
@click.option("--clinic", "clinic_name", default=None,
              help="Clinic name; created if it does not exist (default: CLINIC_NAME)")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin")
def create(email: str, name: str, role: str, clinic_name: str, password_stdin: bool) -> None:
    """Create a dashboard account (the first admin, or any later one)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _session() as (session, rt):
        user = accounts.create_user(session, email, name, role, clinic_name or rt.settings.clinic_name, password)
        clinic = session.get(Clinic, user.clinic_id)
        click.echo(f"created {role} {user.email} (id {user.id}) in clinic {clinic.name!r} (id {clinic.id})")


@user_group.command("password")
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True)
def password(email: str, password_stdin: bool) -> None:
    """Set a new password (every open session of that user is logged out)."""
    new = sys.stdin.readline().rstrip("\r\n") if password_stdin else click.prompt(
        "New password", hide_input=True, confirmation_prompt=True)
    with _session() as (session, _):
        accounts.set_password(session, email, new, "cli")
    click.echo(f"password changed for {email}")


@user_group.command("deactivate")
@click.option("--email", required=True)
def deactivate(email: str) -> None:
    """Disable an account at once (its sessions stop working on their next request)."""
    with _session() as (session, _):
        accounts.deactivate(session, email, "cli")
    click.echo(f"{email} deactivated")


@user_group.command("list")
def list_users() -> None:
    """Accounts with their role and clinic."""
    with _session() as (session, _):
        for user, clinic in session.execute(select(User, Clinic).outerjoin(Clinic, Clinic.id == User.clinic_id)
                                            .order_by(User.id)):
            state = "" if user.active else " (inactive)"
            click.echo(f"{user.id}\t{user.email}\t{user.name}\t{user.role}\t{clinic.name if clinic else '-'}{state}")


@user_group.command("token")
@click.option("--clinic", "clinic_name", required=True, help="Clinic the token enrolls into")
@click.option("--label", default="api", show_default=True, help="Which system uses it")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(["phones:read"]),
              help="Extra rights: phones:read lets it ask the API for unmasked phone numbers")
def token(clinic_name: str, label: str, scopes: tuple[str, ...]) -> None:
    """Create an API token for a clinic. It is printed once; only its hash is stored."""
    with _session() as (session, _):
        clinic = clinic_by_name(session, clinic_name, create=False)
        if clinic is None:
            raise click.ClickException(f"no clinic named {clinic_name!r} (create a user in it first)")
        secret = accounts.create_token(session, clinic.id, label, "cli", " ".join(sorted(set(scopes))))
    click.echo(secret)
