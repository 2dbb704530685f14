"""Enrolling from the CLI and the API: every bad field named, nothing written on bad input."""
import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.models import AuditLog, Enrollment, Outbox
from tests.conftest import FIXTURE_CONTENT
from tests.helpers import outbox

GOOD = {"first_name": "Ana", "last_name": "Reyes", "date_of_birth": "1961-04-12",
        "phone": "(202) 555-0143", "surgery_date": "2026-11-20",
        "timezone": "America/Chicago", "language": "es"}


@pytest.fixture
def cli(config, rt):
    env = {"DATABASE_URL": config["DATABASE_URL"], "CONTENT_DIR": str(FIXTURE_CONTENT), "TWILIO_ACCOUNT_SID": "",
           "TWILIO_AUTH_TOKEN": "", "SECRET_KEY": "", "API_TOKEN": ""}

    def invoke(*args):
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return invoke


def cli_args(**fields):
    data = {**GOOD, **fields}
    return ["enroll", "--first-name", data["first_name"], "--last-name", data["last_name"], "--date-of-birth",
            data["date_of_birth"], "--phone", data["phone"], "--surgery-date",
            data["surgery_date"], "--timezone", data["timezone"], "--language", data["language"]]


def count(rt, model) -> int:
    with rt.session() as s:
        return s.query(model).count()


def test_cli_enroll_prints_the_id_and_stores_e164(cli, rt):
    result = cli(*cli_args())
    assert result.exit_code == 0, result.output
    enrollment_id = int(result.output.strip())
    with rt.session() as s:
        e = s.get(Enrollment, enrollment_id)
        assert (e.phone, e.language, e.timezone, e.status) == ("+12025550143", "es", "America/Chicago", "active")
        assert s.query(AuditLog).filter_by(action="enroll").count() == 1
    assert outbox(rt)  # the pathway is planned


@pytest.mark.parametrize("field,value,message", [
    ("phone", "555-0143", "phone:"),
    ("phone", "+44 20 7183 8750", "not a mobile number"),
    ("timezone", "America/Gotham", "timezone:"),
    ("language", "fr", "language:"),
    ("surgery_date", "2026-02-30", "not a real date"),
    ("surgery_date", "20/11/2026", "surgery_date:"),
    ("first_name", " ", "first_name: required"),
])
def test_cli_rejects_each_bad_field_and_writes_nothing(cli, rt, field, value, message):
    result = cli(*cli_args(**{field: value}))
    assert result.exit_code == 1
    assert message in result.output
    assert count(rt, Enrollment) == 0 and count(rt, Outbox) == 0


def test_cli_names_every_bad_field_at_once(cli, rt):
    result = cli(*cli_args(phone="12", timezone="Nowhere", language="de"), "--pathway", "knee")
    assert result.exit_code == 1
    for field in ("phone:", "timezone:", "language:", "pathway:"):
        assert field in result.output
    assert count(rt, Enrollment) == 0


def test_cli_refuses_a_second_live_enrollment_of_the_same_phone(cli, rt):
    assert cli(*cli_args()).exit_code == 0
    result = cli(*cli_args(phone="+1 202 555 0143", first_name="Bea"))
    assert result.exit_code == 1 and "already enrolled" in result.output
    assert count(rt, Enrollment) == 1


def test_pause_resume_unenroll_from_the_cli(cli, rt):
    enrollment_id = cli(*cli_args()).output.strip()
    assert "paused" in cli("pause", enrollment_id).output
    assert {r.status for r in outbox(rt)} == {"cancelled"}
    assert "active" in cli("resume", enrollment_id).output
    assert "planned" in {r.status for r in outbox(rt)}
    assert "unenrolled" in cli("unenroll", enrollment_id).output
    assert {r.status for r in outbox(rt)} == {"cancelled"}
    again = cli("resume", enrollment_id)
    assert again.exit_code == 1 and "cannot resume" in again.output
    assert cli("pause", "999").exit_code == 1


def test_api_requires_a_bearer_token(client):
    assert client.get("/api/v1/enrollments").status_code == 401
    bad = client.get("/api/v1/enrollments", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "unknown API token" in bad.get_json()["errors"][0]


def test_api_enroll_list_and_unenroll(client, api_headers, rt):
    created = client.post("/api/v1/enrollments", json=GOOD, headers=api_headers)
    assert created.status_code == 201
    body = created.get_json()
    assert body["id"] and body["phone"] == "+1******0143" and body["status"] == "active"  # masked by default
    shown = client.get(f"/api/v1/enrollments/{body['id']}?phones=full", headers=api_headers).get_json()
    assert shown["phone"] == "+12025550143"  # API_TOKEN, the deployment's own, has the phones:read scope
    listed = client.get("/api/v1/enrollments", headers=api_headers).get_json()["enrollments"]
    assert [(e["id"], e["status"], e["opted_out"]) for e in listed] == [(body["id"], "active", False)]
    gone = client.post(f"/api/v1/enrollments/{body['id']}/unenroll", headers=api_headers)
    assert gone.get_json()["status"] == "unenrolled"
    assert {r.status for r in outbox(rt)} == {"cancelled"}


def test_api_reports_every_bad_field_with_400_and_writes_nothing(client, api_headers, rt):
    bad = {**GOOD, "phone": "not a phone", "surgery_date": "2026-13-01", "pathway": "nope", "extra": 1}
    response = client.post("/api/v1/enrollments", json=bad, headers=api_headers)
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert {e.split(":")[0] for e in errors} >= {"phone", "surgery_date", "pathway", "unknown field(s)"}
    assert client.post("/api/v1/enrollments", data="x", headers=api_headers).status_code == 400
    assert count(rt, Enrollment) == 0


def test_api_duplicate_live_phone_is_409(client, api_headers):
    assert client.post("/api/v1/enrollments", json=GOOD, headers=api_headers).status_code == 201
    dup = client.post("/api/v1/enrollments", json={**GOOD, "first_name": "Eva"}, headers=api_headers)
    assert dup.status_code == 409  # the number masked, as everywhere outside the patient's own page
    assert dup.get_json()["errors"] == ["phone: +1******0143 is already enrolled (unenroll first)"]
    assert client.post("/api/v1/enrollments/999/pause", headers=api_headers).status_code == 404

