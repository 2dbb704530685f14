"""Malformed input gets a 4xx with a reason, never a 500: NUL and lone surrogates, JSON nested too
deep, values of the wrong type (refused, not coerced), oversized bodies, and identical enrollments
racing each other."""
from __future__ import annotations

import threading
from datetime import datetime

import pytest

from tests.helpers import enroll

GOOD = {"first_name": "Ana", "last_name": "Reyes", "date_of_birth": "1961-04-12",
        "phone": "(202) 555-0143", "surgery_date": "2026-11-20",
        "timezone": "America/Chicago", "language": "es"}
JSON = {"Content-Type": "application/json"}


def post_raw(client, api_headers, path: str, raw: str | bytes):
    return client.post(path, data=raw, headers={**api_headers, **JSON})


def good_with(field: str, raw_value: str) -> str:
    """The good enrollment as JSON text, with one value written raw (escapes kept as typed)."""
    parts = [f'"{k}": "{v}"' for k, v in GOOD.items() if k != field]
    return "{" + ", ".join(parts + [f'"{field}": {raw_value}']) + "}"


@pytest.mark.parametrize("raw_value, reason", [
    ('"An\\u0000a"', "first_name: contains a NUL"),
    ('"\\ud800"', "first_name: is not valid Unicode (a lone surrogate)"),
    ('{"a": 1}', "first_name: must be text, not an object"),
    ("42", "first_name: must be text, not a number"),
    ('["Ana"]', "first_name: must be text, not a list"),
    ("true", "first_name: must be text, not true/false"),
])
def test_bad_values_in_an_enrollment_are_400_with_the_field_named(client, api_headers, raw_value, reason):
    response = post_raw(client, api_headers, "/api/v1/enrollments", good_with("first_name", raw_value))
    assert response.status_code == 400 and reason in response.get_json()["errors"][0]
    assert client.get("/api/v1/enrollments", headers=api_headers).get_json()["enrollments"] == []


@pytest.mark.parametrize("raw, reason", [
    ("[" * 100_000 + "]" * 100_000, "nested deeper"),               # the parser itself recurses out
    ('{"a": ' * 30 + "1" + "}" * 30, "nested deeper"),              # parses, but is not ours
    ("[]", "expected a JSON object"),
    ("{not json", "not valid JSON"),
    (b'{"first_name": "\xff\xfe"}', "not valid JSON"),
    ('{"first\\u0000name": "Ana"}', "a field name contains a NUL"),
])
def test_malformed_json_bodies_are_400(client, api_headers, raw, reason):
    response = post_raw(client, api_headers, "/api/v1/enrollments", raw)
    assert response.status_code == 400 and reason in response.get_json()["errors"][0]


def test_a_body_over_the_limit_is_413(client, api_headers):
    response = post_raw(client, api_headers, "/api/v1/enrollments", '{"first_name": "' + "x" * 3_000_000 + '"}')
    assert response.status_code == 413 and "body: larger than the 2048 KiB allowed" in response.get_json()["errors"][0]


def test_an_acknowledgement_with_a_name_of_the_wrong_type_is_400(client, rt, api_headers):
    from tests.dashboard.conftest import add_escalation

    patient = enroll(rt, datetime(2026, 11, 21))
    escalation_id = add_escalation(rt, patient)
    for body in ('{"by": {"name": "Dana"}}', '{"by": "Dana", "note": 5}', '{"by": "Da\\u0000na"}'):
        response = post_raw(client, api_headers, f"/api/v1/escalations/{escalation_id}/resolve", body)
        assert response.status_code == 400 and response.get_json()["errors"], body


def test_a_nul_in_a_query_is_400(client, api_headers):
    response = client.get("/api/v1/enrollments?status=active%00", headers=api_headers)
    assert response.status_code == 400 and "NUL" in response.get_json()["errors"][0]


def test_twenty_identical_enrollments_at_once_give_one_201_and_409s(app, api_headers):
    statuses: list[int] = []
    start = threading.Barrier(20)

    def enroll_once() -> None:
        client = app.test_client()
        start.wait()
        statuses.append(client.post("/api/v1/enrollments", json=GOOD, headers=api_headers).status_code)

    threads = [threading.Thread(target=enroll_once) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [409] * 19


@pytest.mark.parametrize("typed, reason", [
    ("", "required, as YYYY-MM-DD"),
    ("4/12/1961", "use YYYY-MM-DD"),
    ("19610412", "use YYYY-MM-DD"),
    ("1961-02-30", "'1961-02-30' is not a real date (YYYY-MM-DD)"),
])
def test_a_mistyped_date_is_explained_in_the_same_words_for_every_date_field(client, api_headers, typed, reason):
    for field in ("surgery_date", "date_of_birth"):
        response = client.post("/api/v1/enrollments", json={**GOOD, field: typed}, headers=api_headers)
        assert response.status_code == 400 and response.get_json()["errors"] == [f"{field}: {reason}"]
