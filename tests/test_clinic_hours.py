"""Clinic hours: strictly parsed, and the business-time arithmetic behind review deadlines."""
from datetime import datetime

import pytest

from bot import clinic_hours
from bot.config import ConfigError, load

HOURS = clinic_hours.parse("Mon-Fri 08:00-17:00", "America/New_York")
FRIDAY_1630 = datetime(2026, 11, 27, 21, 30)  # 16:30 in New York


def test_one_business_hour_from_friday_afternoon_is_monday_morning():
    assert HOURS.add_business_hours(FRIDAY_1630, 1) == datetime(2026, 11, 30, 13, 30)  # Mon 08:30


def test_end_of_day_counts_business_days():
    assert HOURS.end_of_day(FRIDAY_1630, 0) == datetime(2026, 11, 27, 22, 0)   # Friday 17:00
    assert HOURS.end_of_day(FRIDAY_1630, 1) == datetime(2026, 11, 30, 22, 0)   # Monday 17:00
    saturday = datetime(2026, 11, 28, 15, 0)
    assert HOURS.end_of_day(saturday, 0) == datetime(2026, 11, 30, 22, 0)      # closed: Monday's close


def test_hours_across_a_daylight_saving_change_stay_local():
    hours = clinic_hours.parse("Mon-Fri 08:00-17:00", "America/New_York")
    friday_evening = datetime(2026, 10, 30, 22, 0)  # 18:00 EDT; clocks go back on Sunday
    assert hours.next_open(friday_evening) == datetime(2026, 11, 2, 13, 0)  # Monday 08:00 EST


@pytest.mark.parametrize("value", ["Mon-Fri", "Mon-Fri 17:00-08:00", "Fri-Mon 08:00-17:00", "Mon 8-5",
                                   "Mon-Fri 08:00-17:00; Fri 09:00-12:00", "Mon-Fri 08:00-25:00"])
def test_bad_hours_stop_the_service_with_the_setting_named(value):
    with pytest.raises(ConfigError, match="CLINIC_HOURS"):
        load({"CLINIC_HOURS": value})


def test_hours_and_time_zone_from_the_environment():
    config = load({"CLINIC_HOURS": "Mon-Fri 07:30-16:00; Sat 09:00-12:00", "CLINIC_TIMEZONE": "America/Chicago"})
    hours = config.clinic_hours
    assert hours.timezone == "America/Chicago" and hours.days[5] == (datetime(1, 1, 1, 9).time(),
                                                                     datetime(1, 1, 1, 12).time())
    with pytest.raises(ConfigError, match="CLINIC_TIMEZONE"):
        load({"CLINIC_TIMEZONE": "Mars/Olympus"})


@pytest.mark.parametrize("received, due", [
    (datetime(2026, 11, 23, 19, 0), datetime(2026, 11, 24, 22, 0)),   # Monday 14:00 -> Tuesday 17:00
    (datetime(2026, 11, 23, 23, 0), datetime(2026, 11, 24, 22, 0)),   # Monday 18:00 (closed) -> Tuesday, not Wednesday
    (datetime(2026, 11, 24, 12, 0), datetime(2026, 11, 24, 22, 0)),   # Tuesday 07:00 (not open yet) -> Tuesday
    (datetime(2026, 11, 28, 15, 0), datetime(2026, 11, 30, 22, 0))])  # Saturday -> Monday 17:00
def test_a_routine_question_is_read_by_the_close_of_the_next_business_day(received, due):
    from bot.review import due_at

    assert due_at(HOURS, "routine_reply", received) == due
    assert due_at(HOURS, "pain_high", received) <= due  # the same day, or the next one when closed
