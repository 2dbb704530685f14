"""On-call schedules: weekly shifts in the clinic's time zone (each an ordered ladder), one-off
overrides, the ranks when no shift covers the moment; an escalation pages whoever is on call then,
with the ladder rules unchanged; `postop coordinator list|edit|remove`."""
from __future__ import annotations

from datetime import datetime, timedelta

import time_machine
from click.testing import CliRunner
from sqlalchemy import select

from bot import oncall
from bot.cli import main
from bot.clinics import default_clinic
from bot.jobs import tick
from bot.models import Clinic, Coordinator, OnCallShift
from tests.conftest import FIXTURE_CONTENT
from tests.helpers import add_coordinator, enroll, sms

NURSE, PROVIDER, BACKUP, COVER = "+12025550181", "+12025550182", "+12025550183", "+12025550184"
# Tuesday 1 December 2026 in Chicago (the clinic): 10:00 CST is 16:00 UTC, 22:00 CST is 04:00 UTC the next day.
DAY = datetime(2026, 12, 1, 16, 0)
NIGHT = datetime(2026, 12, 2, 4, 0)


def setup_schedule(rt) -> dict[str, int]:
    ids = {name: add_coordinator(rt, name, phone, rank).id for name, phone, rank in [
        ("Nora Nurse", NURSE, 1), ("Paul Provider", PROVIDER, None), ("Bea Backup", BACKUP, None),
        ("Dana Whitfield", COVER, None)]}
    with rt.session() as s:
        clinic = default_clinic(s, rt.settings)
        clinic.settings = {"timezone": "America/Chicago"}
        oncall.add_shift(s, clinic, {"name": "Weekday nurse line", "days": "01234", "starts": "08:00",
                                     "ends": "17:00", "ladder": [ids["Nora Nurse"], ids["Bea Backup"]]}, "test")
        oncall.add_shift(s, clinic, {"name": "Nights and weekends", "days": "0123456", "starts": "17:00",
                                     "ends": "08:00", "ladder": [ids["Paul Provider"], ids["Bea Backup"]]}, "test")
    return ids


def test_an_overnight_shift_covers_the_small_hours_of_the_next_day():
    shift = OnCallShift(days="4", starts="17:00", ends="08:00")  # Friday night
    from zoneinfo import ZoneInfo
    zone = ZoneInfo("America/Chicago")
    assert oncall.shift_covers(shift, datetime(2026, 12, 4, 18, 0, tzinfo=zone))      # Fri 18:00
    assert oncall.shift_covers(shift, datetime(2026, 12, 5, 3, 0, tzinfo=zone))       # Sat 03:00
    assert not oncall.shift_covers(shift, datetime(2026, 12, 5, 9, 0, tzinfo=zone))   # Sat 09:00
    assert not oncall.shift_covers(shift, datetime(2026, 12, 4, 3, 0, tzinfo=zone))   # Fri 03:00 (Thu night)


def _pages(fake_twilio, phone: str) -> list[str]:
    return [m.body for m in fake_twilio.to(phone)]


def test_an_emergency_pages_whoever_is_on_shift_then_the_next_rung_then_everyone(client, rt, fake_twilio):
    setup_schedule(rt)
    enroll(rt, NIGHT - timedelta(days=2), timezone="America/Chicago")
    with time_machine.travel(NIGHT, tick=False):
        sms(client, "chest pain and I can't breathe", "SM" + "1" * 32)
    assert len(_pages(fake_twilio, PROVIDER)) == 1 and not _pages(fake_twilio, NURSE)
    for minutes, expected in [(4, (0, 1, 0, 0)), (5, (0, 1, 1, 0)), (10, (1, 2, 2, 1))]:
        moment = NIGHT + timedelta(minutes=minutes)
        with time_machine.travel(moment, tick=False):
            tick(rt, moment)
        counts = tuple(len(_pages(fake_twilio, p)) for p in (NURSE, PROVIDER, BACKUP, COVER))
        assert counts == expected, (minutes, counts)


def test_the_weekday_shift_pages_the_nurse_line(client, rt, fake_twilio):
    setup_schedule(rt)
    enroll(rt, DAY - timedelta(days=2), timezone="America/New_York")  # the clinic's zone decides, not hers
    with time_machine.travel(DAY, tick=False):
        sms(client, "chest pain and I can't breathe", "SM" + "2" * 32)
    assert len(_pages(fake_twilio, NURSE)) == 1 and not _pages(fake_twilio, PROVIDER)


def test_an_override_replaces_the_shift_for_its_window(client, rt, fake_twilio):
    ids = setup_schedule(rt)
    with rt.session() as s:
        oncall.add_override(s, default_clinic(s, rt.settings), "America/Chicago",
                            {"starts": "2026-12-01T17:00", "ends": "2026-12-02T08:00",
                             "ladder": [str(ids["Dana Whitfield"])], "note": "Dana covers tonight"}, "test")
    enroll(rt, NIGHT - timedelta(days=2))
    with time_machine.travel(NIGHT, tick=False):
        sms(client, "chest pain and I can't breathe", "SM" + "3" * 32)
    assert len(_pages(fake_twilio, COVER)) == 1 and not _pages(fake_twilio, PROVIDER)
    with rt.session() as s:
        now_on_call = oncall.on_call_at(s, default_clinic(s, rt.settings).id, "America/Chicago", NIGHT)
    assert now_on_call.source == "override" and now_on_call.label == "Dana covers tonight"


def test_with_no_shift_covering_the_moment_the_ranks_apply(rt):
    ids = {n: add_coordinator(rt, n, p, r).id for n, p, r in [("Nora Nurse", NURSE, 1), ("Paul Provider", PROVIDER, 2)]}
    with rt.session() as s:
        clinic = default_clinic(s, rt.settings)
        oncall.add_shift(s, clinic, {"name": "Weekend", "days": "56", "starts": "00:00", "ends": "23:59",
                                     "ladder": [ids["Paul Provider"]]}, "test")
        ladder = oncall.on_call_at(s, clinic.id, "America/New_York", DAY)  # a Tuesday
    assert ladder.source == "ranks" and [[c.name for c in rung] for rung in ladder.rungs] == [
        ["Nora Nurse"], ["Paul Provider"]]


def test_a_shift_must_name_days_times_and_someone_of_this_clinic(rt):
    stranger = add_coordinator(rt, "Kim Baptiste", "+12025550185", 1, clinic="Hillcrest Orthopedics")
    with rt.session() as s:
        clinic = default_clinic(s, rt.settings)
        try:
            oncall.add_shift(s, clinic, {"name": "", "days": "", "starts": "25:00", "ends": "8",
                                         "ladder": [stranger.id]}, "test")
        except oncall.OnCallError as e:
            errors = e.errors
    assert any(e.startswith("name:") for e in errors) and any(e.startswith("days:") for e in errors)
    assert any(e.startswith("starts:") for e in errors) and any(e.startswith("ends:") for e in errors)
    assert "ladder: not a coordinator of this clinic" in errors


def _cli(database_url: str, *args: str):
    env = {"DATABASE_URL": database_url, "CONTENT_DIR": str(FIXTURE_CONTENT), "TWILIO_ACCOUNT_SID": "",
           "TWILIO_AUTH_TOKEN": "", "CLINIC_NAME": "Riverside Spine Center"}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_coordinator_cli_lists_edits_and_removes(rt, database_url):
    added = _cli(database_url, "coordinator", "add", "--name", "Dana Whitfield", "--phone", "202 555 0181",
                 "--email", "dana@riverside.example", "--on-call-rank", "1")
    assert added.exit_code == 0, added.output
    dana = int(added.output.strip())
    listed = _cli(database_url, "coordinator", "list")
    assert "Dana Whitfield" in listed.output and "+1******0181" in listed.output and "rank 1" in listed.output
    edited = _cli(database_url, "coordinator", "edit", str(dana), "--on-call-rank", "2", "--name", "Dana W. Ross")
    assert edited.exit_code == 0 and "Dana W. Ross, rank 2" in edited.output
    bad = _cli(database_url, "coordinator", "edit", str(dana), "--phone", "12")
    assert bad.exit_code == 1 and "phone: not a valid mobile number" in bad.output
    assert _cli(database_url, "coordinator", "remove", str(dana)).exit_code == 0
    assert "Dana" not in _cli(database_url, "coordinator", "list").output
    assert _cli(database_url, "coordinator", "remove", str(dana)).exit_code == 1
    with rt.session() as s:
        row = s.scalars(select(Coordinator)).one()
        assert row.active is False and s.get(Clinic, row.clinic_id).name == "Riverside Spine Center"
