"""The start-up bundle (issue 14): an enrollment on any day gets who is texting, the welcome with the
911 line and the bending/lifting limits within 24 hours, and never more than 3 texts a local day.

These run the shipped pathway (not the test fixture) through the real planner, clock and Twilio
fake, hour by hour over the first days, with time-machine."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
import time_machine

from bot import pathways
from bot.jobs import tick
from bot.timeutil import local_to_utc, utc_to_local
from tests.helpers import enroll, outbox

ZONE = "America/New_York"
SURGERY = date(2026, 9, 1)


@pytest.fixture
def config(config):
    return {**config, "CONTENT_DIR": str(pathways.ROOT)}


def simulate(rt, enrolled_day: int, hour: int, days: int = 4, **options) -> tuple[datetime, list]:
    """Enroll at a local hour of a post-op day, then let the clock run every hour for `days` days."""
    start = local_to_utc(SURGERY + timedelta(days=enrolled_day), datetime.min.time().replace(hour=hour), ZONE)
    with time_machine.travel(start, tick=False):
        enroll(rt, start, surgery_date=SURGERY.isoformat(), **options)
    for step in range(days * 12):  # every 2 hours: the planner's day starts and every due row
        moment = start + timedelta(hours=2 * step, minutes=1)
        with time_machine.travel(moment, tick=False):
            tick(rt, moment)
    sent = [r for r in outbox(rt) if r.sent_at is not None and r.kind == "pathway"]
    return start, sent


@pytest.mark.parametrize("enrolled_day", [0, 3, 10, 30])
@pytest.mark.parametrize("hour", [9, 20])
def test_every_enrollment_day_gets_welcome_limits_and_911_within_24_hours(rt, fake_twilio, enrolled_day, hour):
    start, sent = simulate(rt, enrolled_day, hour)
    first_day = [r for r in sent if r.due_at <= start + timedelta(hours=24)]
    keys = [r.content_key for r in first_day]
    assert keys[0] == "intro", keys  # who is texting, how often, rates, HELP, STOP
    assert {"intro", "welcome", "no_blt"} <= set(keys), keys
    bodies = [m.body for m in fake_twilio.to("+12025550143")]
    assert "Msg & data rates may apply" in bodies[0] and "HELP" in bodies[0] and "STOP" in bodies[0]
    assert any("911" in b for b in bodies[:3])
    assert any("Do not lift more than 10 lb" in b for b in bodies)
    for row in sent:  # never planned in quiet hours
        local = utc_to_local(row.due_at, ZONE).time()
        assert local.hour >= 8 and local.hour < 21, (row.content_key, local)
    per_day = Counter(utc_to_local(r.due_at, ZONE).date() for r in outbox(rt))
    assert max(per_day.values()) <= 3, per_day
    tips = [r.content_key for r in sent if r.expects is None]
    assert len(set(tips)) == len(tips), tips  # nothing taught twice


def test_spanish_start_up_is_all_spanish(rt, fake_twilio):
    simulate(rt, 3, 15, days=2, language="es")
    bodies = [m.body for m in fake_twilio.to("+12025550143")]
    assert "PARAR" in bodies[0] and "AYUDA" in bodies[0] and "cargos por mensajes y datos" in bodies[0]
    assert not any(word in body for body in bodies for word in ("Msg", "Reply", "STOP", "HELP"))


def test_the_start_up_rows_are_the_same_on_every_planner_pass(rt):
    start, _ = simulate(rt, 3, 15, days=3)
    keys = [r.key for r in outbox(rt) if "startup-" in r.key]
    assert len(keys) == len(set(keys)) >= 3


def test_pre_op_enrollment_gets_the_intro_at_once_and_the_rest_on_day_1(rt, fake_twilio):
    start, sent = simulate(rt, -3, 15, days=5)
    days = {r.content_key: (utc_to_local(r.due_at, ZONE).date() - SURGERY).days for r in outbox(rt)}
    assert days["intro"] == -3 and days["preop_texts"] == -2
    assert days["welcome"] == 1 and days["no_blt"] == 1
    per_day = Counter(utc_to_local(r.due_at, ZONE).date() for r in outbox(rt))
    assert max(per_day.values()) <= 3, per_day


def test_a_surgery_more_than_60_days_ahead_is_refused_with_the_reason(rt):
    from bot.enrollment import EnrollmentError

    today = SURGERY - timedelta(days=61)
    with pytest.raises(EnrollmentError) as e:
        enroll(rt, datetime.combine(today, datetime.min.time()), surgery_date=SURGERY.isoformat())
    assert any("more than 60 days away" in err and "pre-op" in err for err in e.value.errors), e.value.errors
    enroll(rt, datetime.combine(today + timedelta(days=1), datetime.min.time()), surgery_date=SURGERY.isoformat())
