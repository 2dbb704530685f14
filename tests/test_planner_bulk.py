"""The set-wise daily planner writes exactly the rows the one-patient planner would: every step of
every day through the horizon, at its local time in each zone (DST, quiet hours, clinic settings),
none twice, and a finished pathway still completes."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

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
            patient = enrollment.validate({"first_name": "Ana", "last_name": "Reyes", "date_of_birth": "1961-04-12",
                                           "phone": phone, "surgery_date": surgery, "timezone": zone,
                                           "language": language, **({"brace": "yes"} if i == 2 else {})},
                                          rt, START.date())
            enrollment.create(s, rt, patient, "test", START, clinic_id=no_brace if i in (1, 2) else None)
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
                                                               rt.settings.quiet_hours, 0, e.planned_through_day)
                        if t.due_at > START}
            got = {r.key: r.due_at for r in rows if r.enrollment_id == e.id}
            assert got == expected, e.timezone
            if e.timezone == "Europe/Madrid":
                assert e.status == "completed" and e.plan_next_at is None
            else:
                today = (moment + timedelta(hours=14)).date()  # at least a day ahead of every zone's today
                assert e.planned_through_day >= (today - e.surgery_date).days + 1
                assert e.planned_through_day <= pathway.length_days + rt.settings.plan_horizon_days
    # The clinic's settings and the patient's own options over them decide which steps run.
    assert not [r for r in rows if r.enrollment_id == 2 and r.step == "brace"]
    assert [r for r in rows if r.enrollment_id == 3 and r.step == "brace"]
    assert date(2026, 11, 2) in {r.due_at.date() for r in rows if r.enrollment_id == 1}


def test_bulk_rows_match_planned_texts_with_the_shipped_pathway_and_its_start_up_bundle():
    """Pure functions, no database: the shipped pathway (start-up bundle, pre-op days, options)."""
    from types import SimpleNamespace

    from bot import config as settings
    from bot.pathways import library
    from bot.planner_bulk import Planner, Target
    from bot.timeutil import local_today

    lib = library(Path(__file__).resolve().parent.parent)
    conf = settings.load(environ={}, overrides={"SECRET_KEY": "x" * 32})
    checked = 0
    for zone in ("America/New_York", "Pacific/Auckland", "America/Los_Angeles"):
        for surgery_offset in (-6, -1, 0, 2, 9, 40):
            for options in ({}, {"brace": True, "approach": "lateral", "hip_graft": True}):
                created = START + timedelta(hours=surgery_offset % 5)
                for days_later in (0, 1, 3):
                    now = created + timedelta(days=days_later, hours=7)
                    surgery = (START + timedelta(days=-surgery_offset)).date()
                    today_day = (local_today(zone, now) - surgery).days
                    for planned in (today_day - 1, today_day + 1):
                        t = Target(7, "+12025550143", surgery, zone, "lumbar-fusion", None, planned, created, options)
                        got = Planner(lib, conf, {}, now).rows_of(t)
                        e = SimpleNamespace(id=7, pathway="lumbar-fusion", surgery_date=surgery, timezone=zone,
                                            created_at=created)
                        want = [(x.key, x.due_at) for x in planned_texts(
                                    e, lib, {**lib.pathways["lumbar-fusion"].settings, **options},
                                    conf.quiet_hours, max(planned + 1, today_day), today_day + 2)
                                if x.due_at > now]
                        assert sorted((r[0], r[8]) for r in got) == sorted(want), (zone, surgery_offset, days_later)
                        checked += len(want)
    assert checked > 100
