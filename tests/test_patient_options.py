"""Per-patient options (issue 14): brace, bone graft from the hip, surgical approach and the limits,
set at enrollment (form, CSV, API, CLI), shown and changed on the patient page; a patient receives
exactly the texts meant for them, over the whole shipped pathway."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from click.testing import CliRunner

from bot import pathways
from bot.messages import settings_for
from bot.models import Enrollment
from bot.planner import planned_texts
from tests.helpers import enroll, outbox

NOW = datetime(2026, 9, 1, 14, 0)  # day 0 of a surgery on 2026-09-01, 10:00 in New York
OPTION_KEYS = {"brace_start", "brace_keep", "brace_six_weeks", "graft_site", "approach_lateral"}


@pytest.fixture
def config(config):
    return {**config, "CONTENT_DIR": str(pathways.ROOT)}


def whole_pathway(rt, enrollment_id: int) -> list[str]:
    """Every text the planner would send this patient from enrollment to day 84."""
    with rt.session() as session:
        e = session.get(Enrollment, enrollment_id)
        texts = planned_texts(e, rt.library, settings_for(rt.library, e), rt.settings.quiet_hours, -7, 84)
        return [t.step.message for t in texts if t.due_at > NOW]


def enroll_with(rt, **options):
    with time_machine.travel(NOW, tick=False):
        return enroll(rt, NOW, surgery_date="2026-09-01", **options)


@pytest.mark.parametrize(("options", "expected"), [
    ({}, set()),
    ({"brace": "yes"}, {"brace_start", "brace_keep", "brace_six_weeks"}),
    ({"hip_graft": "yes"}, {"graft_site"}),
    ({"approach": "lateral"}, {"approach_lateral"}),
    ({"approach": "anterior"}, set()),
    ({"brace": "yes", "hip_graft": "yes", "approach": "lateral"}, OPTION_KEYS),
])
def test_each_patient_gets_exactly_the_texts_of_their_options(rt, options, expected):
    e = enroll_with(rt, **options)
    messages = whole_pathway(rt, e.id)
    assert OPTION_KEYS & set(messages) == expected
    assert len([m for m in messages if m in OPTION_KEYS]) == len(expected)  # each once
    assert {"intro", "welcome", "no_blt", "opioid_safety", "falls", "csf_leak", "goodbye"} <= set(messages)


def test_the_patients_limits_override_the_pathway_in_the_texts(rt, fake_twilio):
    enroll_with(rt, lifting_limit_lb="5", sitting_limit_min="20")
    from bot.jobs import tick
    for hour in range(0, 8):
        moment = datetime(2026, 9, 1, 14 + hour, 1)
        with time_machine.travel(moment, tick=False):
            tick(rt, moment)
    bodies = " ".join(m.body for m in fake_twilio.to("+12025550143"))
    assert "Do not lift more than 5 lb" in bodies and "Sit no more than 20 minutes" in bodies


def test_bad_options_are_refused_with_the_field_named(rt):
    from bot.enrollment import EnrollmentError
    with pytest.raises(EnrollmentError) as e:
        enroll_with(rt, brace="maybe", approach="front", lifting_limit_lb="500")
    assert {err.split(":")[0] for err in e.value.errors} == {"brace", "approach", "lifting_limit_lb"}


def test_api_csv_and_cli_take_the_options(rt, client, api_headers):
    body = {"first_name": "Luz", "last_name": "Ortega", "date_of_birth": "1960-02-03", "phone": "+12025550144",
            "surgery_date": "2026-09-01", "timezone": "America/Chicago", "language": "es",
            "brace": True, "hip_graft": "no", "approach": "lateral", "lifting_limit_lb": 8}
    with time_machine.travel(NOW, tick=False):
        created = client.post("/api/v1/enrollments", json=body, headers=api_headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["options"] == {"brace": True, "hip_graft": False, "approach": "lateral",
                                             "lifting_limit_lb": 8, "sitting_limit_min": None}
    with time_machine.travel(NOW, tick=False):
        changed = client.post(f"/api/v1/enrollments/{created.get_json()['id']}/options", json={"brace": False},
                              headers=api_headers)
    assert changed.get_json()["options"]["brace"] is False
    from bot import enrollment
    csv = ("first_name,last_name,date_of_birth,phone,surgery_date,timezone,language,brace,hip_graft,approach\n"
           "Rosa,Vidal,1955-05-06,+12025550145,2026-09-01,America/New_York,en,yes,yes,posterior\n")
    with rt.session() as session, time_machine.travel(NOW, tick=False):
        (made,), _ = enrollment.import_csv(session, rt, csv, "test", NOW)
        assert made.options == {"brace": True, "hip_graft": True, "approach": "posterior"}
    from bot.cli import main
    env = {"DATABASE_URL": rt.settings.database_url, "CONTENT_DIR": str(pathways.ROOT), "TWILIO_ACCOUNT_SID": "",
           "TWILIO_AUTH_TOKEN": "", "SECRET_KEY": "", "API_TOKEN": ""}
    with time_machine.travel(NOW, tick=False):
        result = CliRunner().invoke(main, ["enroll", "--first-name", "Eva", "--last-name", "Paz", "--date-of-birth",
                                           "1970-01-01", "--phone", "+12025550146", "--surgery-date", "2026-09-01",
                                           "--timezone", "America/New_York", "--language", "en", "--hip-graft",
                                           "--approach", "anterior"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with rt.session() as session:
        assert session.get(Enrollment, int(result.output.strip())).options == {"hip_graft": True,
                                                                              "approach": "anterior"}


def test_a_brace_prescribed_later_gets_its_start_up_text_on_a_day_with_room(rt, client, api_headers):
    from collections import Counter

    from bot.timeutil import utc_to_local

    e = enroll_with(rt)
    later = NOW + timedelta(days=10)
    with time_machine.travel(later, tick=False):
        client.post(f"/api/v1/enrollments/{e.id}/options", json={"brace": True}, headers=api_headers)
        client.post(f"/api/v1/enrollments/{e.id}/options", json={"brace": False}, headers=api_headers)
        client.post(f"/api/v1/enrollments/{e.id}/options", json={"brace": True}, headers=api_headers)
    [row] = [r for r in outbox(rt) if r.content_key == "brace_start"]
    assert row.status == "planned" and row.due_at > later
    live = [r for r in outbox(rt) if r.status == "planned"]
    per_day = Counter(utc_to_local(r.due_at, "America/New_York").date() for r in live)
    assert max(per_day.values()) <= 3


def test_changing_another_option_keeps_the_late_brace_text(rt, client, api_headers):
    e = enroll_with(rt)
    with time_machine.travel(NOW + timedelta(days=10), tick=False):
        client.post(f"/api/v1/enrollments/{e.id}/options", json={"brace": True}, headers=api_headers)
        client.post(f"/api/v1/enrollments/{e.id}/options", json={"lifting_limit_lb": 8}, headers=api_headers)
    assert [r.status for r in outbox(rt) if r.content_key == "brace_start"] == ["planned"]


def test_the_api_says_starts_on_before_surgery_and_refuses_more_than_60_days(rt, client, api_headers):
    body = {"first_name": "Luz", "last_name": "Ortega", "date_of_birth": "1960-02-03", "phone": "+12025550147",
            "surgery_date": "2026-09-21", "timezone": "America/New_York", "language": "en"}
    with time_machine.travel(NOW, tick=False):
        pre_op = client.post("/api/v1/enrollments", json=body, headers=api_headers)
        assert pre_op.status_code == 201, pre_op.get_json()
        shown = client.get(f"/api/v1/enrollments/{pre_op.get_json()['id']}", headers=api_headers).get_json()
        assert shown["starts_on"] == "2026-09-21"
        today = client.post("/api/v1/enrollments", json={**body, "phone": "+12025550148",
                                                          "surgery_date": "2026-09-01"}, headers=api_headers)
        assert today.status_code == 201 and today.get_json()["starts_on"] is None
        far = client.post("/api/v1/enrollments", json={**body, "phone": "+12025550149",
                                                        "surgery_date": "2026-11-01"}, headers=api_headers)
    assert far.status_code in (400, 422) and "more than 60 days away" in str(far.get_json())
