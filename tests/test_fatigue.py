"""At most 3 texts a patient a local day, automatic replies included (issue 14 item 7;
clinical-review.md #37): on a day whose 3 pathway texts are out, a steady pain of 5-7 or an "ok"
should get no fourth text (the answer is still recorded); on a day with room the self-care advice goes.

Not met yet (xfail): pain_selfcare ("Thank you, Ana. Some pain is normal...") and ack_message go out
as a 4th text on days 3-14. Holding them on a full day (bot.fatigue.day_is_full in respond._act) is a
few lines, but it means a steady 5-7 never gets the self-care advice in weeks 1-2 and it changes what
issue 13's tests specify (test_conversation, test_nothing_goes_unread, test_inbound_webhook): the
lead's call.

The shipped pathway through the real planner, clock, webhook and Twilio fake, with time-machine."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
import time_machine

from bot import pathways
from bot.jobs import tick
from bot.messages import render
from bot.models import Observation
from bot.timeutil import local_to_utc, utc_to_local
from tests.helpers import enroll, outbox, reply

ZONE = "America/New_York"
SURGERY = date(2026, 9, 1)


@pytest.fixture
def config(config):
    return {**config, "CONTENT_DIR": str(pathways.ROOT)}


def run_until(rt, start: datetime, day: int, hour: int) -> datetime:
    """The clock every hour from `start` to `hour`:01 local on post-op `day`."""
    end = local_to_utc(SURGERY + timedelta(days=day), time(hour, 1), ZONE)
    moment = start
    while moment < end:
        moment = min(moment + timedelta(hours=1), end)
        with time_machine.travel(moment, tick=False):
            tick(rt, moment)
    return end


def texts_on(rt, day: int) -> int:
    local = SURGERY + timedelta(days=day)
    return Counter(utc_to_local(r.sent_at, ZONE).date() for r in outbox(rt) if r.sent_at)[local]


@pytest.mark.xfail(strict=True, reason="automatic replies are not yet counted against 3 a day (see module doc)")
@pytest.mark.parametrize("body", ["6 3", "ok thanks"])
def test_no_fourth_text_on_a_full_day(rt, client, fake_twilio, body):
    start = local_to_utc(SURGERY, time(9, 0), ZONE)
    with time_machine.travel(start, tick=False):
        enroll(rt, start, surgery_date=SURGERY.isoformat())
    moment = run_until(rt, start, 3, 19)  # day 3: tip 09:00, safety check 12:00, pain 18:00
    assert texts_on(rt, 3) == 3
    with time_machine.travel(moment, tick=False):
        assert reply(client, fake_twilio, body, "SM" + "a" * 32) is None
    assert texts_on(rt, 3) == 3
    if body == "6 3":
        with rt.session() as s:
            assert sorted(o.value for o in s.query(Observation).filter(Observation.kind.in_(["pain", "pain_leg"]))) \
                == ["3", "6"]


def test_self_care_advice_on_a_day_with_room(rt, client, fake_twilio):
    start = local_to_utc(SURGERY + timedelta(days=17), time(9, 0), ZONE)
    with time_machine.travel(start, tick=False):
        enroll(rt, start, surgery_date=SURGERY.isoformat())
    # day 24: safety check 12:00 and pain 18:00 only (the start-up queue of a day-17 enrollee is out by then)
    moment = run_until(rt, start, 24, 19)
    assert texts_on(rt, 24) == 2
    with time_machine.travel(moment, tick=False):
        assert reply(client, fake_twilio, "6 3", "SM" + "b" * 32) == render(rt, "en", "pain_selfcare", first_name="Ana")
    assert texts_on(rt, 24) == 3
