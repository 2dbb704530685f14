"""The start-up bundle (issue 14): an enrollment on any day gets who is texting, the welcome with the
911 line and the bending/lifting limits within 24 hours, every core text it missed within the bound
(`startup.max_days`) and never more than 3 texts a local day; the check-ins of the days after the start
day are never left out.

These run the shipped pathway (not the test fixture) through the real planner, clock and Twilio
fake, hour by hour over the first days, with time-machine."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
import time_machine

from bot import option_changes, pathways
from bot.content_rules import all_on, owed_core
from bot.jobs import tick
from bot.models import Enrollment
from bot.planner import planned_texts
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
    # every 5 minutes for the first half hour (the first texts go a few minutes apart, as the dispatch
    # loop sends them), then every 2 hours: the planner's day starts and every due row
    moments = [start + timedelta(minutes=1 + 5 * i) for i in range(6)]
    moments += [start + timedelta(hours=2 * step, minutes=1) for step in range(1, days * 12)]
    for moment in moments:
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
    # the rest on the surgery day, which has no texts of its own: week 1 goes as scheduled
    assert days["welcome"] == 0 and days["no_blt"] == 0
    assert days["opioid_safety"] == 1 and days["exercises_early"] == 2 and days["shower_care"] == 2
    per_day = Counter(utc_to_local(r.due_at, ZONE).date() for r in outbox(rt))
    assert max(per_day.values()) <= 3, per_day


def test_a_surgery_more_than_60_days_ahead_is_refused_with_the_reason(rt):
    from bot.enrollment import EnrollmentError

    today = SURGERY - timedelta(days=61)
    with pytest.raises(EnrollmentError) as e:
        enroll(rt, datetime.combine(today, datetime.min.time()), surgery_date=SURGERY.isoformat())
    assert any("more than 60 days away" in err and "pre-op" in err for err in e.value.errors), e.value.errors
    enroll(rt, datetime.combine(today + timedelta(days=1), datetime.min.time()), surgery_date=SURGERY.isoformat())


# ---- Every enrollment day and hour, no options and all options: nothing of the core teaching lost ----

QUIET = (time(21, 0), time(8, 0))
LIBRARY = None


def _pathway():
    global LIBRARY
    if LIBRARY is None:
        LIBRARY = pathways.load(pathways.ROOT)[0]
    return LIBRARY, LIBRARY.pathways["lumbar-fusion"]


def _plan(settings, enrolled_day: int, at: time):
    library, pathway = _pathway()
    enrolled_at = local_to_utc(SURGERY + timedelta(days=enrolled_day), at, ZONE)
    enrollment = SimpleNamespace(id=1, pathway="lumbar-fusion", surgery_date=SURGERY, timezone=ZONE,
                                 created_at=enrolled_at)
    texts = [t for t in planned_texts(enrollment, library, settings, QUIET, enrolled_day, enrolled_day + 40)
             if t.due_at > enrolled_at]
    return pathway, enrolled_at, texts


@pytest.mark.parametrize("options", ["none", "all"])
@pytest.mark.parametrize("at", [time(8, 0), time(12, 30), time(20, 45)], ids=["08:00", "12:30", "20:45"])
@pytest.mark.parametrize("enrolled_day", [*range(0, 31)])
def test_no_core_text_is_lost_and_check_ins_keep_their_place(enrolled_day, at, options):
    library, pathway = _pathway()
    settings = dict(pathway.settings) if options == "none" else all_on(pathway)
    pathway, enrolled_at, texts = _plan(settings, enrolled_day, at)
    local = {id(t): utc_to_local(t.due_at, ZONE) for t in texts}
    day_of = {id(t): (local[id(t)].date() - SURGERY).days for t in texts}
    first_send: dict[str, int] = {}
    for t in sorted(texts, key=lambda t: t.due_at):
        first_send.setdefault(t.step.message, day_of[id(t)])
    start_day = min(day_of.values())
    missed, to_come = owed_core(pathway, settings, enrolled_day, at)  # read from the data alone
    assert {"intro", "welcome", "no_blt"} <= missed
    # every core text missed before enrollment goes, within the bound (the start day is day 1)
    lost = sorted((missed | to_come) - set(first_send))
    assert not lost, f"core teaching never sent: {lost}"
    late = {m: first_send[m] for m in missed if first_send[m] - start_day + 1 > pathway.startup.max_days}
    assert not late, (late, start_day, pathway.startup.max_days)
    # who is texting first, the welcome and the limits on the start day
    assert min(texts, key=lambda t: t.due_at).step.message == "intro"
    assert first_send["welcome"] == first_send["no_blt"] == start_day
    # at most 3 texts a local day; none in quiet hours
    per_day = Counter(day_of.values())
    assert max(per_day.values()) <= 3, per_day
    for t in texts:
        assert time(8, 0) <= local[id(t)].time().replace(tzinfo=None) < time(21, 0), (t.step.id, local[id(t)])
    # the check-ins (red-flag, pain, questionnaires) of every day after the start day are all there
    for day in range(start_day + 1, enrolled_day + 41):
        asked = {s.id for s in pathway.steps_on(day, settings) if s.expects}
        sent = {t.step.id for t in texts if t.day == day and t.step.expects}
        assert asked == sent, (day, asked - sent)
    # nothing taught twice on the bundle's part: a core text goes once (a step's later days are reminders)
    bundle_texts = [t.step.message for t in texts if t.step.id.startswith("startup-")]
    assert len(bundle_texts) == len(set(bundle_texts)), bundle_texts


def test_the_audit_cases_get_what_they_missed():
    """The audit's examples (issue 14): each one now gets the teaching it never got."""
    _, pathway = _pathway()
    everything = all_on(pathway)
    cases = [(dict(pathway.settings), 6, time(20, 45), {"exercises_early"}),
             (everything, 5, time(20, 45), {"falls", "exercises_early", "bowel_care", "wound_signs"}),
             (everything, 0, time(8, 0), {"exercises_early", "shower_care"}),
             (dict(pathway.settings), 4, time(12, 30), {"shower_care", "log_roll"})]
    for settings, day, at, wanted in cases:
        _, _, texts = _plan(settings, day, at)
        assert wanted <= {t.step.message for t in texts}, (day, at, wanted)
    # a day-3 enrollee at 08:00 gets the red-flag check-in on day 4 (was: day 5)
    _, _, texts = _plan(dict(pathway.settings), 3, time(8, 0))
    assert min(t.day for t in texts if t.step.message == "checkin_redflags") == 4


def test_day_3_enrollee_through_the_clock_gets_every_missed_text_and_daily_check_ins(rt, fake_twilio):
    """The same through the real planner, clock and Twilio fake (brace, hip graft, lateral approach)."""
    start, sent = simulate(rt, 3, 8, days=13, brace="yes", hip_graft="yes", approach="lateral")
    keys = {r.content_key for r in sent}
    assert {"intro", "welcome", "no_blt", "opioid_safety", "exercises_early", "bowel_care", "shower_care",
            "log_roll", "wound_signs", "falls", "brace_start", "graft_site", "approach_lateral"} <= keys
    days = Counter((utc_to_local(r.due_at, ZONE).date() - SURGERY).days
                   for r in sent if r.content_key == "checkin_redflags")
    assert all(days[d] == 1 for d in range(4, 9)), days
    per_day = Counter(utc_to_local(r.due_at, ZONE).date() for r in outbox(rt))
    assert max(per_day.values()) <= 3, per_day


def _repeating() -> set[str]:
    """Messages the pathway itself sends more than once (check-ins, reminders)."""
    uses: Counter = Counter()
    for step in _pathway()[1].steps:
        uses[step.message] += len(step.days)
    return {message for message, n in uses.items() if n > 1}


def _run_clock(rt, start: datetime, hours: int) -> datetime:
    moment = start
    for _ in range(hours // 2):
        moment += timedelta(hours=2)
        with time_machine.travel(moment, tick=False):
            tick(rt, moment)
    return moment


@pytest.mark.parametrize("switched", [{"hip_graft": "yes"}, {"brace": "yes"}, {"hip_graft": "no"}])
def test_an_option_changed_during_the_start_up_weeks_sends_no_text_twice_and_loses_none(rt, fake_twilio, switched):
    """A day-3 enrollee whose hip graft or brace is set (or unset) on day 5, while the bundle's queue
    still runs: the bundle, placed again, carries the option's text; no second row sends it again."""
    initial = {"hip_graft": "yes"} if switched == {"hip_graft": "no"} else {}
    start = local_to_utc(SURGERY + timedelta(days=3), time(8, 0), ZONE)
    with time_machine.travel(start, tick=False):
        enrollment = enroll(rt, start, surgery_date=SURGERY.isoformat(), **initial)
    moment = _run_clock(rt, start, 48)
    with time_machine.travel(moment, tick=False), rt.session() as session:
        option_changes.change(session, rt, session.get_one(Enrollment, enrollment.id), switched, "test", moment)
    _run_clock(rt, moment, 24 * 14)
    sent = [r for r in outbox(rt) if r.sent_at is not None and r.kind == "pathway"]
    repeating = _repeating()
    once_only = Counter(r.content_key for r in sent if r.content_key not in repeating)
    assert [k for k, n in once_only.items() if n > 1] == [], once_only
    keys = set(once_only)
    assert {"opioid_safety", "exercises_early", "bowel_care", "falls", "log_roll", "shower_care", "wound_signs"} <= keys
    if switched == {"hip_graft": "yes"}:
        assert "graft_site" in keys
    if switched == {"brace": "yes"}:
        assert "brace_start" in keys
    per_day = Counter(utc_to_local(r.due_at, ZONE).date() for r in sent)
    assert max(per_day.values()) <= 3, per_day

