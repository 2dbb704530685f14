"""Local send times: DST-safe, never in quiet hours, and late enrollments continue from today."""
from datetime import date, datetime, time

import time_machine

from bot.jobs import tick
from bot.pathway_model import Step
from bot.planner import send_time
from tests.helpers import enroll, outbox

QUIET = (time(21, 0), time(8, 0))


def walk_texts(fake_twilio, phone="+12025550143"):
    return [m for m in fake_twilio.to(phone) if "walk" in m.body.lower()]


def run_tick_at(rt, moment: datetime):
    with time_machine.travel(moment, tick=False):
        tick(rt, moment)


def test_nine_am_stays_nine_am_across_the_november_2026_fall_back(rt, fake_twilio):
    enroll(rt, datetime(2026, 10, 30, 12, 0), surgery_date="2026-10-29")
    run_tick_at(rt, datetime(2026, 10, 31, 12, 59))  # 08:59 EDT: not yet
    assert walk_texts(fake_twilio) == []
    run_tick_at(rt, datetime(2026, 10, 31, 13, 0))  # 09:00 EDT
    assert len(walk_texts(fake_twilio)) == 1
    run_tick_at(rt, datetime(2026, 11, 1, 13, 0))  # 08:00 EST on the day clocks fall back
    assert len(walk_texts(fake_twilio)) == 1
    run_tick_at(rt, datetime(2026, 11, 1, 14, 0))  # 09:00 EST
    assert len(walk_texts(fake_twilio)) == 2
    due = [r.due_at for r in outbox(rt, step="walk-early")]
    assert datetime(2026, 11, 2, 14, 0) in due and datetime(2026, 10, 31, 13, 0) in due


def test_nine_am_stays_nine_am_across_the_march_2027_spring_forward(rt, fake_twilio):
    enroll(rt, datetime(2027, 3, 12, 15, 0), surgery_date="2027-03-12")
    run_tick_at(rt, datetime(2027, 3, 13, 14, 0))  # 09:00 EST
    assert len(walk_texts(fake_twilio)) == 1
    run_tick_at(rt, datetime(2027, 3, 14, 13, 0))  # 09:00 EDT, first day of summer time
    assert len(walk_texts(fake_twilio)) == 2


def test_step_inside_quiet_hours_moves_to_the_next_allowed_minute():
    early = Step(id="early", days=(1,), at=time(6, 30), message="x")
    late = Step(id="late", days=(1,), at=time(22, 15), message="x")
    surgery = date(2026, 11, 20)
    # 06:30 local -> 08:00 local the same morning (13:00 UTC in EST)
    assert send_time(early, surgery, 1, "America/New_York", QUIET) == datetime(2026, 11, 21, 13, 0)
    # 22:15 local -> 08:00 local the next morning
    assert send_time(late, surgery, 1, "America/New_York", QUIET) == datetime(2026, 11, 22, 13, 0)
    # Outside quiet hours nothing moves; another zone gets its own local 08:00
    noon = Step(id="noon", days=(1,), at=time(12, 0), message="x")
    assert send_time(noon, surgery, 1, "America/Los_Angeles", QUIET) == datetime(2026, 11, 21, 20, 0)
    assert send_time(early, surgery, 1, "Europe/Madrid", QUIET) == datetime(2026, 11, 21, 7, 0)


def test_routine_text_pushed_into_the_night_waits_but_a_safety_text_does_not(rt, fake_twilio):
    from bot.dispatch import dispatch_due
    from bot.models import Outbox

    e = enroll(rt, datetime(2026, 11, 21, 12, 0))
    night = datetime(2026, 11, 22, 3, 30)  # 22:30 in New York
    with rt.session() as s:
        s.add(Outbox(key="late-routine", enrollment_id=e.id, to_phone=e.phone, kind="oneoff",
                     body="Routine note", due_at=night))
        s.add(Outbox(key="late-safety", enrollment_id=e.id, to_phone=e.phone, kind="safety",
                     body="Call 911 now", urgent=True, due_at=night))
    with time_machine.travel(night, tick=False):
        dispatch_due(rt, night)
    assert [m.body for m in fake_twilio.to(e.phone)] == ["Call 911 now"]
    held = outbox(rt, key="late-routine")[0]
    assert held.status == "planned" and held.due_at == datetime(2026, 11, 22, 13, 0)


def test_late_enrollment_skips_past_steps_and_sends_no_burst(rt, fake_twilio):
    now = datetime(2026, 11, 21, 20, 0)  # 15:00 in New York, post-op day 11
    enroll(rt, now, surgery_date="2026-11-10")
    rows = outbox(rt)
    assert rows, "the pathway continues from today"
    assert min(r.day for r in rows) == 11
    assert all(r.due_at > now for r in rows)
    assert not any(r.step == "walk-early" and r.day == 11 for r in rows)  # 09:00 today already passed
    assert any(r.step == "pain-checkin" and r.day == 11 for r in rows)  # 18:00 today still ahead
    run_tick_at(rt, now)
    assert fake_twilio.messages == []


def test_planner_extends_the_pathway_one_local_day_at_a_time(rt):
    e = enroll(rt, datetime(2026, 11, 21, 12, 0), surgery_date="2026-11-20")
    assert max(r.day for r in outbox(rt)) == 3  # today (day 1) plus a two-day horizon
    run_tick_at(rt, datetime(2026, 11, 22, 5, 0))  # after local midnight (00:00 EST = 05:00 UTC)
    assert max(r.day for r in outbox(rt)) == 4
    run_tick_at(rt, datetime(2026, 11, 22, 6, 0))  # same local day: nothing new, nothing twice
    assert max(r.day for r in outbox(rt)) == 4
    assert len({r.key for r in outbox(rt)}) == len(outbox(rt))
    assert e.id
