"""Coordinators belong to clinics: a clinic's red flags page only its own coordinators, only they
can acknowledge them, and they are added per clinic from the CLI, the dashboard and the API."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
import time_machine
from alembic import command
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

from bot import db
from bot.cli import main
from bot.clinics import clinic_by_name
from bot.jobs import tick
from bot.models import Clinic, Coordinator, Enrollment, Escalation
from tests.conftest import FIXTURE_CONTENT, PG_URL
from tests.helpers import add_coordinator, enroll, reply, sms

NOW = datetime(2026, 11, 22, 3, 30)  # 22:30 in New York
A_PHONES = ("+12025550181", "+12025550182")
B_PHONE = "+12025550185"


def two_clinics(rt) -> int:
    """Clinic A (the default, Riverside) with two ranks; clinic B (Hillcrest) with one coordinator;
    a patient of clinic B. Returns B's id."""
    add_coordinator(rt, "Dana Whitfield", A_PHONES[0], 1)
    add_coordinator(rt, "Lee Okafor", A_PHONES[1], None)
    add_coordinator(rt, "Kim Baptiste", B_PHONE, 1, clinic="Hillcrest Orthopedics")
    patient = enroll(rt, NOW - timedelta(days=1), phone="+12025550143")
    with rt.session() as s:
        clinic_b = clinic_by_name(s, "Hillcrest Orthopedics", create=False).id
        s.get(Enrollment, patient.id).clinic_id = clinic_b
    return clinic_b


@pytest.mark.parametrize("red_flag", ["coughed up blood", "I cant breathe"])  # urgent; emergency (calls too)
def test_clinic_bs_red_flag_never_reaches_a_clinic_a_coordinator(client, rt, fake_twilio, red_flag):
    clinic_b = two_clinics(rt)
    with time_machine.travel(NOW, tick=False):
        sms(client, red_flag, "SM" + "6" * 32)
    for minutes in (5, 10, 20, 40):  # rank after rank, then everyone again, round after round
        moment = NOW + timedelta(minutes=minutes)
        with time_machine.travel(moment, tick=False):
            tick(rt, moment)
    assert len(fake_twilio.to(B_PHONE)) >= 3
    assert all(fake_twilio.to(phone) == [] for phone in A_PHONES)
    # Nor a paging call: an emergency rings clinic B's coordinator, never clinic A's.
    assert not [c for c in fake_twilio.calls if c.to in A_PHONES]
    if red_flag == "I cant breathe":
        assert [c for c in fake_twilio.calls if c.to == B_PHONE]
    with rt.session() as s:
        assert s.scalars(select(Escalation.clinic_id)).one() == clinic_b


def test_an_ack_from_another_clinics_coordinator_is_refused(client, rt, fake_twilio):
    two_clinics(rt)
    with time_machine.travel(NOW, tick=False):
        sms(client, "coughed up blood", "SM" + "6" * 32)
        with rt.session() as s:
            code = s.scalars(select(Escalation.code)).one()
        answer = reply(client, fake_twilio, f"ACK {code}", "SM" + "7" * 32, sender=A_PHONES[0])
        assert "not found" in answer
        with rt.session() as s:
            assert s.scalars(select(Escalation.status)).one() == "open"
        answer = reply(client, fake_twilio, f"ACK {code}", "SM" + "8" * 32, sender=B_PHONE)
    assert "acknowledged by Kim Baptiste" in answer


def run_cli(database_url: str, args: list[str]):
    env = {"DATABASE_URL": database_url, "CONTENT_DIR": str(FIXTURE_CONTENT), "TWILIO_ACCOUNT_SID": "",
           "TWILIO_AUTH_TOKEN": "", "SECRET_KEY": "cli-test-secret-key", "CLINIC_NAME": "Riverside Spine Center"}
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def test_cli_adds_a_coordinator_to_a_named_clinic(rt, database_url):
    with rt.session() as s:
        clinic_by_name(s, "Hillcrest Orthopedics", create=True)
    base = ["coordinator", "add", "--name", "Kim Baptiste", "--phone", "202 555 0185",
            "--email", "kim@hillcrest.example", "--on-call-rank", "1"]
    unknown = run_cli(database_url, base + ["--clinic", "Nowhere Clinic"])
    assert unknown.exit_code == 1 and "no clinic named 'Nowhere Clinic'" in unknown.output
    assert run_cli(database_url, base + ["--clinic", "hillcrest orthopedics"]).exit_code == 0
    default = run_cli(database_url, ["coordinator", "add", "--name", "Dana Whitfield", "--phone", "202 555 0181",
                                     "--email", "dana@riverside.example"])
    assert default.exit_code == 0, default.output
    with rt.session() as s:
        homes = {c.name: s.get(Clinic, c.clinic_id).name for c in s.scalars(select(Coordinator))}
    assert homes == {"Kim Baptiste": "Hillcrest Orthopedics", "Dana Whitfield": "Riverside Spine Center"}


def test_api_coordinators_are_the_token_clinics_and_phones_masked_without_the_scope(client, rt, api_headers):
    from bot.accounts import create_token

    with rt.session() as s:
        hillcrest = clinic_by_name(s, "Hillcrest Orthopedics", create=True)
        plain = create_token(s, hillcrest.id, "ehr", "test")
        trusted = create_token(s, hillcrest.id, "paging", "test", "phones:read")
    add_coordinator(rt, "Dana Whitfield", A_PHONES[0], 1)  # the default clinic's
    new = {"name": "Kim Baptiste", "phone": "202 555 0185", "email": "kim@hillcrest.example", "on_call_rank": 1}
    created = client.post("/api/v1/coordinators", json=new, headers={"Authorization": f"Bearer {plain}"})
    assert created.status_code == 201 and created.json["phone"] == "+1******0185"
    again = client.post("/api/v1/coordinators", json=new, headers={"Authorization": f"Bearer {plain}"})
    assert again.status_code == 409
    listed = client.get("/api/v1/coordinators", headers={"Authorization": f"Bearer {plain}"}).json
    assert [c["name"] for c in listed["coordinators"]] == ["Kim Baptiste"]
    refused = client.get("/api/v1/coordinators?phones=full", headers={"Authorization": f"Bearer {plain}"})
    assert refused.status_code == 403 and "phones:read" in refused.json["errors"][0]
    full = client.get("/api/v1/coordinators?phones=full", headers={"Authorization": f"Bearer {trusted}"}).json
    assert full["coordinators"][0]["phone"] == "+12025550185"
    default = client.get("/api/v1/coordinators", headers=api_headers).json["coordinators"]
    assert [c["name"] for c in default] == ["Dana Whitfield"]
    bad = client.post("/api/v1/coordinators", json={**new, "name": {"a": 1}, "on_call_rank": "1"},
                      headers=api_headers)
    assert bad.status_code == 400 and {e.split(":")[0] for e in bad.json["errors"]} == {"name", "on_call_rank"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """An empty database of either kind (nothing migrated), dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"postop_migration_{uuid.uuid4().hex[:8]}"
    admin = create_engine(db.normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:
        admin.dispose()
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {e}")
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_migration_puts_existing_coordinators_in_the_default_clinic(empty_database, monkeypatch):
    monkeypatch.setenv("CLINIC_NAME", "Riverside Spine Center")
    engine = db.make_engine(empty_database)
    cfg = db.alembic_config(engine)
    command.upgrade(cfg, "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO coordinators (name, phone, email, active) "
                          "VALUES ('Dana Whitfield', '+12025550181', 'dana@riverside.example', TRUE)"))
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        home = conn.execute(text("SELECT clinics.name FROM coordinators JOIN clinics ON clinics.id = "
                                 "coordinators.clinic_id")).scalar()
    engine.dispose()
    assert home == "Riverside Spine Center"
