"""At most 3 texts a patient a local day, automatic replies included (issue 14 item 7;
clinical-review.md #37): on a day whose 3 pathway texts are out (days 3-14), a steady pain of 5-7 or
an "ok" gets no fourth text, and the answer is recorded as on any other day; on a day with room the
self-care advice or thank-you goes, and counts: a second "ok" that day gets nothing. Replies with a
safety line, a question or a red flag always go (bot/fatigue.py HOLDABLE_REPLIES lists what may wait).

The shipped pathway through the real planner, clock, webhook and Twilio fake, with time-machine."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
import time_machine

from bot import fatigue, pathways
from bot.jobs import tick
from bot.messages import render
from bot.models import Enrollment, Inbound, Observation, Outbox, ReviewItem
from bot.timeutil import local_to_utc, utc_to_local
from tests.helpers import add_coordinator, enroll, outbox, reply

ZONE = "America/New_York"
SURGERY = date(2026, 9, 1)
PATIENT = "+12025550143"


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
    """Texts sent to the patient (not the pages to the coordinator) on post-op `day`."""
    local = SURGERY + timedelta(days=day)
    return Counter(utc_to_local(r.sent_at, ZONE).date() for r in outbox(rt, to_phone=PATIENT) if r.sent_at)[local]


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


def full_day_3(rt) -> datetime:
    """Enrolled on the day of surgery; the clock runs to 19:01 on day 3, whose 3 texts are out."""
    start = local_to_utc(SURGERY, time(9, 0), ZONE)
    with time_machine.travel(start, tick=False):
        enroll(rt, start, surgery_date=SURGERY.isoformat())
    moment = run_until(rt, start, 3, 19)  # day 3: tip 09:00, safety check 12:00, pain 18:00
    assert texts_on(rt, 3) == 3
    return moment


def test_a_held_reply_still_records_the_answer(rt, client, fake_twilio):
    moment = full_day_3(rt)
    with time_machine.travel(moment, tick=False):
        assert reply(client, fake_twilio, "6 3", "SM" + "c" * 32) is None
        assert reply(client, fake_twilio, "gracias", "SM" + "d" * 32) is None
    with rt.session() as s:
        [pain, benign] = s.query(Inbound).order_by(Inbound.id).all()
        assert (pain.handled_as, pain.processed_at, pain.reply_body) == ("answer", moment, None)
        assert (benign.handled_as, benign.reply_body) == ("benign", None)
        observations = s.query(Observation).filter(Observation.inbound_id == pain.id).all()
        assert sorted((o.kind, o.value) for o in observations) == [("pain", "6"), ("pain_leg", "3")]
        question = s.get(Outbox, observations[0].question_id)
        assert question.content_key == "checkin_pain" and question.answered_at == moment
        assert s.query(ReviewItem).filter(ReviewItem.inbound_id.in_([pain.id, benign.id])).all() == []
    assert outbox(rt, kind="reply") == []


@pytest.mark.parametrize("body, key", [
    ("the tape on my back is itchy and peeling", "review_reply"),   # the safety line, read by a person
    ("I can't feel between my legs", "emergency_reply"),            # a red flag: 911
    ("9 4", "pain_meds_question"),                                  # "is your pain medicine helping?"
    ("yes", "screen_yes_reply"),                                    # a late YES to the 12:00 check-in
    ("HELP", "help"),                                               # the carrier's keyword answer
])
def test_replies_with_a_safety_line_or_a_question_go_out_on_a_full_day(rt, client, fake_twilio, body, key):
    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    moment = full_day_3(rt)
    with time_machine.travel(moment, tick=False):
        answer = reply(client, fake_twilio, body, "SM" + "e" * 32)
    [row] = outbox(rt, kind="reply")
    assert row.content_key == key and answer == row.body and answer is not None
    assert texts_on(rt, 3) == 4


def test_a_reply_counts_against_the_day_so_two_oks_get_one_thank_you(rt, client, fake_twilio):
    start = local_to_utc(SURGERY + timedelta(days=17), time(9, 0), ZONE)
    with time_machine.travel(start, tick=False):
        enroll(rt, start, surgery_date=SURGERY.isoformat())
    moment = run_until(rt, start, 24, 19)  # day 24: safety check 12:00 and pain 18:00 only
    assert texts_on(rt, 24) == 2
    with time_machine.travel(moment, tick=False):
        assert reply(client, fake_twilio, "ok", "SM" + "f" * 32) == render(rt, "en", "ack_message", first_name="Ana")
    with time_machine.travel(moment + timedelta(minutes=30), tick=False):
        assert reply(client, fake_twilio, "ok thanks", "SM" + "0" * 32) is None
    assert texts_on(rt, 24) == 3
    with rt.session() as s:
        assert [i.handled_as for i in s.query(Inbound).order_by(Inbound.id)] == ["benign", "benign"]


def test_pages_to_a_coordinator_are_not_texts_to_the_patient(rt):
    moment = local_to_utc(SURGERY + timedelta(days=24), time(13, 0), ZONE)
    with time_machine.travel(moment, tick=False):
        enroll(rt, moment, surgery_date=SURGERY.isoformat())
    with rt.session() as s:
        e = s.query(Enrollment).one()
        before = fatigue.texts_on_day(s, e, moment)
        for kind in ("page", "call"):
            s.add(Outbox(key=f"{kind}:1", enrollment_id=e.id, to_phone="+12025550181", kind=kind, body="[URGENT]",
                         urgent=True, due_at=moment))
        s.flush()
        assert fatigue.texts_on_day(s, e, moment) == before
        s.add(Outbox(key="reply:SM1", enrollment_id=e.id, to_phone=e.phone, kind="reply", body="Thank you",
                     urgent=True, due_at=moment))
        s.flush()
        assert fatigue.texts_on_day(s, e, moment) == before + 1


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_reply_that_may_be_held_carries_no_safety_line_promise_or_question(rt, language):
    for key in fatigue.HOLDABLE_REPLIES:
        text = rt.library.content[language][key].text
        assert not any(word in text for word in ("911", "988", "?", "{read_when}", "{clinic_phone}")), (key, text)
