"""The `postop` command line (also `python -m bot`)."""
from __future__ import annotations

import json
import logging
import sys
from functools import wraps
from pathlib import Path

import click
from sqlalchemy import func, select

from bot import db, enrollment, logs, page_calls
from bot.cli_runtime import command_runtime
from bot.content_cli import content_group, schedule_group
from bot.coordinator_cli import coordinator_group
from bot.jobs import tick as run_tick
from bot.models import User
from bot.phones import mask_phone
from bot.timeutil import utcnow
from bot.triage.cli import triage_command
from bot.users import user_group

log = logging.getLogger("postop")


def _fail_on_enrollment_error(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except enrollment.EnrollmentError as e:
            for line in e.errors:
                click.echo(f"error: {line}", err=True)
            sys.exit(1)
    return wrapper


@click.group()
@click.option("--log-level", default="INFO", show_default=True, help="DEBUG, INFO, WARNING or ERROR")
def main(log_level: str) -> None:
    """Post-operative recovery texting service."""
    logs.setup(log_level.upper())


@main.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the tables to the latest schema."""
    rt = command_runtime(check_schema=False)
    db.upgrade(rt.engine)
    click.echo(f"database at {rt.engine.url.render_as_string(hide_password=True)} is up to date")


def _patient_options(func):
    for option in reversed([
        click.option("--first-name", required=True),
        click.option("--last-name", required=True),
        click.option("--date-of-birth", required=True, help="YYYY-MM-DD"),
        click.option("--record-number", default="", help="The clinic's record number (MRN), optional"),
        click.option("--phone", required=True, help="Mobile number; E.164 or national format"),
        click.option("--surgery-date", required=True, help="YYYY-MM-DD"),
        click.option("--timezone", "timezone_", required=True, help="IANA zone, e.g. America/Chicago"),
        click.option("--language", required=True, help="en or es"),
        click.option("--pathway", default="lumbar-fusion", show_default=True),
        # Per-patient options (issue 14); left out: the team's default.
        click.option("--brace/--no-brace", default=None, help="The surgeon prescribed a brace"),
        click.option("--hip-graft/--no-hip-graft", default=None, help="Bone graft taken from the hip"),
        click.option("--approach", type=click.Choice(["posterior", "lateral", "anterior"]), default=None),
        click.option("--lifting-limit-lb", default=None, help="This patient's lifting limit"),
        click.option("--sitting-limit-min", default=None, help="This patient's sitting limit"),
    ]):
        func = option(func)
    return func


@main.command("enroll")
@_patient_options
@_fail_on_enrollment_error
def enroll(first_name, last_name, date_of_birth, record_number, phone, surgery_date, timezone_, language,
           pathway, **options) -> None:
    """Enroll one patient; prints the new enrollment id."""
    rt = command_runtime()
    given = {k: v for k, v in options.items() if v is not None}
    patient = enrollment.validate({"first_name": first_name, "last_name": last_name, "date_of_birth": date_of_birth,
                                   "record_number": record_number, "phone": phone, "surgery_date": surgery_date,
                                   "timezone": timezone_, "language": language, "pathway": pathway, **given}, rt)
    with rt.session() as session:
        created = enrollment.create(session, rt, patient, "cli", utcnow())
    click.echo(created.id)


@main.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_fail_on_enrollment_error
def import_(csv_file: Path) -> None:
    """Enroll every patient in a CSV (first_name,phone,surgery_date,timezone,language[,pathway],
    last_name,date_of_birth[,record_number]).

    If any line is bad, nothing is imported and every bad line is listed."""
    rt = command_runtime()
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{csv_file} is not UTF-8 text") from None
    with rt.session() as session:
        created, skipped = enrollment.import_csv(session, rt, text, f"cli:import:{csv_file.name}", utcnow())
    click.echo(f"imported {len(created)} patient(s); {skipped} already enrolled, skipped")


def _change(action: str):
    @click.argument("enrollment_id", type=int)
    @_fail_on_enrollment_error
    def command(enrollment_id: int) -> None:
        rt = command_runtime()
        with rt.session() as session:
            found = session.get(enrollment.Enrollment, enrollment_id)
            if found is None:
                raise enrollment.EnrollmentError([f"enrollment {enrollment_id}: not found"])
            enrollment.change(session, rt, found, action, "cli", utcnow())
        click.echo(f"enrollment {enrollment_id}: {found.status}")
    command.__doc__ = f"{action.capitalize()} an enrollment."
    return command


for _action in enrollment.ACTIONS:
    main.command(_action)(_change(_action))


@main.command("list")
def list_() -> None:
    """Print enrollments as JSON lines (phones masked)."""
    rt = command_runtime()
    with rt.session() as session:
        for e in session.scalars(select(enrollment.Enrollment).order_by(enrollment.Enrollment.id)):
            row = enrollment.describe(e, enrollment.is_opted_out(session, e.phone))
            row["phone"] = mask_phone(e.phone)
            click.echo(json.dumps(row))


@main.command("tick")
def tick() -> None:
    """Run every scheduled job once, as of now, and exit (cron-style deployments, tests)."""
    rt = command_runtime()
    for name, result in run_tick(rt, utcnow()).items():
        click.echo(f"{name}: {result if result is not None else 'done'}")


@main.command("clock")
def clock() -> None:
    """Run the scheduler process (exactly one per deployment on SQLite; see docs for PostgreSQL)."""
    from bot.clock import run_forever  # APScheduler: only the commands that run the clock load it

    run_forever(command_runtime())


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run(host: str, port: int) -> None:
    """All in one process for a single machine: web (waitress), clock, and the database migrated on start."""
    # Flask, the web app and APScheduler only for the command that serves them: every other
    # command starts without loading them.
    from bot.app import create_app
    from bot.serve import serve

    rt = command_runtime(check_schema=False)
    db.upgrade(rt.engine)
    app = create_app()
    mode = "SIMULATOR: no real texts are sent" if rt.transport.simulated else "sending through Twilio"
    click.echo(f"postop on http://{host}:{port}  ({mode}; database {rt.engine.url.render_as_string()})")
    for name in rt.settings.clinic_invented:
        click.echo(f"{name} is not set: the simulator uses an invented {getattr(rt.settings, name.lower())!r}")
    for problem in page_calls.unavailable(rt.settings):
        click.echo(f"Warning: {problem}")
    with rt.session() as session:
        if session.scalar(select(func.count()).select_from(User)) == 0:
            click.echo("No dashboard account yet: in another terminal run\n  .venv/bin/postop user create "
                       "--email you@clinic.example.org --name \"Your Name\" --role admin")
    serve(app, app.extensions["runtime"], host, port)


main.add_command(coordinator_group, "coordinator")
main.add_command(triage_command, "triage")
main.add_command(user_group, "user")
main.add_command(content_group, "content")
main.add_command(schedule_group, "schedule")
