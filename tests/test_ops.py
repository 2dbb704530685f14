"""Health, metrics and logs an operator can use without seeing patients' numbers."""
import logging
from dataclasses import replace
from datetime import datetime

from bot.jobs import heartbeat
from bot.logs import MaskPhonesFilter
from bot.models import Outbox
from bot.phones import mask_phone
from bot.timeutil import utcnow


def test_healthz_reports_database_and_clock_heartbeat(client, rt):
    stale = client.get("/healthz")
    assert stale.status_code == 503 and stale.get_json()["clock_heartbeat_age_seconds"] is None
    heartbeat(rt, utcnow())
    fresh = client.get("/healthz").get_json()
    assert fresh["status"] == "ok" and fresh["database"] == "ok" and fresh["clock_heartbeat_age_seconds"] < 5


def test_healthz_is_503_when_the_database_is_unreachable(config):
    from bot.app import create_app

    app = create_app({**config, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and "unreachable" in response.get_json()["database"]


def test_metrics_need_their_token_and_are_off_without_one(app, client):
    assert client.get("/metrics").status_code == 404  # no METRICS_TOKEN configured
    runtime = app.extensions["runtime"]
    runtime.settings = replace(runtime.settings, metrics_token="metrics-token-0123456789")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer metrics-token-0123456789"}).status_code == 200


def test_metrics_expose_texts_by_status_and_dispatch_lag(client, rt):
    rt.settings = replace(rt.settings, metrics_token="metrics-token-0123456789")
    with rt.session() as s:
        s.add(Outbox(key="a", to_phone="+12025550143", body="x", due_at=datetime(2020, 1, 1), status="planned"))
        s.add(Outbox(key="b", to_phone="+12025550143", body="x", due_at=datetime(2020, 1, 1), status="delivered"))
    text = client.get("/metrics", headers={"Authorization": "Bearer metrics-token-0123456789"}).get_data(as_text=True)
    assert 'postop_texts{status="planned"} 1.0' in text and 'postop_texts{status="delivered"} 1.0' in text
    lag = float(next(line.split()[1] for line in text.splitlines() if line.startswith("postop_dispatch_lag")))
    assert lag > 86400


def test_phone_numbers_are_masked_in_logs():
    assert mask_phone("+12025550143") == "+1******0143"
    record = logging.LogRecord("x", logging.INFO, "f", 1, "text to %s failed at %s", ("+12025550143",
                                                                                      "2026-11-21 09:00"), None)
    MaskPhonesFilter().filter(record)
    assert record.getMessage() == "text to +1******0143 failed at 2026-11-21 09:00"


def test_healthz_reports_when_nobody_is_on_call(client, rt):
    from tests.helpers import add_coordinator

    heartbeat(rt, utcnow())
    nobody = client.get("/healthz").get_json()
    assert nobody["on_call"] == {} and "nobody on call" in nobody["warnings"][0]
    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    someone = client.get("/healthz").get_json()
    assert someone["on_call"] == {"Riverside Spine Center": 1} and "warnings" not in someone
    add_coordinator(rt, "Lee Park", "+12025550182", None, clinic="Hillcrest Orthopedics")
    with rt.session() as s:
        from bot.models import Coordinator
        s.query(Coordinator).filter_by(name="Lee Park").one().active = False
    other = client.get("/healthz").get_json()
    assert other["on_call"]["Hillcrest Orthopedics"] == 0 and "Hillcrest Orthopedics" in other["warnings"][0]
