"""`postop user ...`: dashboard accounts and per-clinic API tokens from the command line.

`postop user create` makes the first admin (there is no sign-up page); later accounts can be made
the same way. Passwords come from a prompt (asked twice) or, for scripts, from stdin.
"""
from __future__ import annotations

import sys

import click
from sqlalchemy import func, select

from bot.audit import record
from bot.clinics import clinic_by_name
from bot.models import Clinic, User


def _rt():
    from bot.cli import _runtime  # late: bot.cli imports this module while it loads

    return _runtime()


def create_user(session, email: str, name: str, role: str, clinic_name: str, password: str) -> User:
    from bot.web.auth import hash_password, password_problem

    email = email.strip().lower()
    if "@" not in email or len(email) > 200:
        raise click.ClickException("email: not an email address")
    if not name.strip():
        raise click.ClickException("name: required (it is shown when this person acknowledges an escalation)")
    if problem := password_problem(password):
        raise click.ClickException(problem)
    if session.scalars(select(User).where(func.lower(User.email) == email)).first():
        raise click.ClickException(f"email: {email} already has an account")
    clinic = clinic_by_name(session, clinic_name, create=True)
    user = User(email=email, name=name.strip(), role=role, clinic_id=clinic.id, active=True,
                password_hash=hash_password(password))
    session.add(user)
    session.flush()
    record(session, "cli", "user_created", f"user:{user.id}", {"role": role, "clinic_id": clinic.id})
    return user


@click.group("user")
def user_group() -> None:
    """Dashboard accounts and API tokens."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True, help="Full name, shown on acknowledgements")
@click.option("--role", type=click.Choice(["admin", "coordinator"]), default="coordinator", show_default=True)
@click.option("--clinic", "clinic_name", default=None,
              help="Clinic name; created if it does not exist (default: CLINIC_NAME)")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin")
def create(email: str, name: str, role: str, clinic_name: str, password_stdin: bool) -> None:
    """Create a dashboard account (the first admin, or any later one)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    rt = _rt()
    with rt.session() as session:
        user = create_user(session, email, name, role, clinic_name or rt.config["CLINIC_NAME"], password)
        clinic = session.get(Clinic, user.clinic_id)
        click.echo(f"created {role} {user.email} (id {user.id}) in clinic {clinic.name!r} (id {clinic.id})")


@user_group.command("password")
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True)
def password(email: str, password_stdin: bool) -> None:
    """Set a new password (every open session of that user is logged out)."""
    from bot.web.auth import hash_password, password_problem

    new = sys.stdin.readline().rstrip("\r\n") if password_stdin else click.prompt(
        "New password", hide_input=True, confirmation_prompt=True)
    if problem := password_problem(new):
        raise click.ClickException(problem)
    rt = _rt()
    with rt.session() as session:
        user = session.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()
        if user is None:
            raise click.ClickException(f"no account for {email}")
        user.password_hash = hash_password(new)
        record(session, "cli", "password_set", f"user:{user.id}")
    click.echo(f"password changed for {email}")


@user_group.command("deactivate")
@click.option("--email", required=True)
def deactivate(email: str) -> None:
    """Disable an account at once (its sessions stop working on their next request)."""
    rt = _rt()
    with rt.session() as session:
        user = session.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()
        if user is None:
            raise click.ClickException(f"no account for {email}")
        user.active = False
        record(session, "cli", "user_deactivated", f"user:{user.id}")
    click.echo(f"{email} deactivated")


@user_group.command("list")
def list_users() -> None:
    """Accounts with their role and clinic."""
    rt = _rt()
    with rt.session() as session:
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
    from bot.web.dashboard.admin import create_token

    rt = _rt()
    with rt.session() as session:
        clinic = clinic_by_name(session, clinic_name, create=False)
        if clinic is None:
            raise click.ClickException(f"no clinic named {clinic_name!r} (create a user in it first)")
        secret = create_token(session, clinic.id, label, "cli", " ".join(sorted(set(scopes))))
    click.echo(secret)
