"""The set-wise daily planner writes exactly the rows the one-patient planner would: every step of
every day through the horizon, at its local time in each zone (DST, quiet hours, clinic settings),
none twice, and a finished programme still completes."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import time_machine

from bot import enrollment
from bot.jobs import plan_due
from bot.messages import settings_for
from bot.models import Clinic, Enrollment
from bot.planner import planned_texts
from tests.helpers import outbox

START = datetime(2026, 10, 28, 12, 0)
PATIENTS = [  # (phone, zone, surgery date, language)
    ("+12025550143", "America/New_York", "2026-10-27", "en"),
    ("+12025550144", "America/Los_Angeles", "2026-10-20", "es"),
    ("+12025550145", "Pacific/Auckland", "2026-10-28", "en"),
    ("+12025550146", "Asia/Kolkata", "2026-09-01", "en"),
    ("+12025550147", "Europe/Madrid", "2026-08-07", "es"),  # day 82 at the start: finishes during the run
]


def test_bulk_daily_pass_matches_the_one_patient_planner_across_zones_and_dst(rt, fake_twilio):
    with rt.session() as s:  # a clinic without the brace: its patients get no brace reminders
        clinic = Clinic(name="No-brace clinic", settings={"brace": False})
        s.add(clinic)
        s.flush()
        no_brace = clinic.id
    with time_machine.travel(START, tick=False), rt.session() as s:
        for i, (phone, zone, surgery, language) in enumerate(PATIENTS):
            patient = enrollment.validate({"first_name": "Ana", "phone": phone, "surgery_date": surgery,
                                           "timezone": zone, "language": language}, rt, START.date())
            enrollment.create(s, rt, patient, "test", START, clinic_id=no_brace if i == 1 else None)
    moment = START
    # Two weeks in six-hour steps, across the US fall-back on 1 November.
    while moment < START + timedelta(days=14):
        moment += timedelta(hours=6)
        with time_machine.travel(moment, tick=False):
            plan_due(rt, moment)
    rows = outbox(rt)
    assert len({r.key for r in rows}) == len(rows)
    with rt.session() as s:
        for e in s.query(Enrollment).order_by(Enrollment.id):
            pathway = rt.library.pathways[e.pathway]
            expected = {t.key: t.due_at for t in planned_texts(e, rt.library, settings_for(rt.library, e),
                                                               rt.config["QUIET_HOURS"], 0, e.planned_through_day)
                        if t.due_at > START}
            got = {r.key: r.due_at for r in rows if r.enrollment_id == e.id}
            assert got == expected, e.timezone
            if e.timezone == "Europe/Madrid":
                assert e.status == "completed" and e.plan_next_at is None
            else:
                today = (moment + timedelta(hours=14)).date()  # at least a day ahead of every zone's today
                assert e.planned_through_day >= (today - e.surgery_date).days + 1
                assert e.planned_through_day <= pathway.length_days + rt.config["PLAN_HORIZON_DAYS"]
    assert not [r for r in rows if r.enrollment_id == 2 and r.step == "brace"]
    assert [r for r in rows if r.enrollment_id == 1 and r.step == "brace"]
    assert date(2026, 11, 2) in {r.due_at.date() for r in rows if r.enrollment_id == 1}
