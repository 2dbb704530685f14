"""When the clinic reads its messages: opening hours as a setting ("Mon-Fri 08:00-17:00"), and the
business-time arithmetic the review queue and the patients' safety line both use, so the reply
"the clinic will read this on Monday after 8 AM" and the review item's due time always agree."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.timeutil import local_to_utc, utc_to_local

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_GROUP = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)(?:-(mon|tue|wed|thu|fri|sat|sun))?\s+"
                    r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Hours:
    """Opening times per weekday (0 = Monday) in the clinic's time zone."""
    days: dict[int, tuple[time, time]]
    timezone: str

    def open_at(self, now: datetime) -> bool:
        local = utc_to_local(now, self.timezone)
        span = self.days.get(local.weekday())
        return span is not None and span[0] <= local.time() < span[1]

    def next_open(self, now: datetime) -> datetime:
        """`now` if the clinic is open, else the UTC moment it next opens."""
        if self.open_at(now):
            return now
        local = utc_to_local(now, self.timezone)
        for ahead in range(8):
            day = local.date() + timedelta(days=ahead)
            span = self.days.get(day.weekday())
            if span and (ahead or local.time() < span[0]):
                return local_to_utc(day, span[0], self.timezone)
        raise ValueError("no opening hours")  # parse() refuses a week without any

    def close_after(self, moment: datetime) -> datetime:
        """The UTC closing time of the business day that `moment` (an open moment) falls in."""
        local = utc_to_local(moment, self.timezone)
        return local_to_utc(local.date(), self.days[local.weekday()][1], self.timezone)

    def add_business_hours(self, now: datetime, hours: float) -> datetime:
        """`hours` of opening time after `now` (a Friday 16:30 + 1 h is Monday 08:30)."""
        left = timedelta(hours=hours)
        moment = self.next_open(now)
        while True:
            close = self.close_after(moment)
            if moment + left <= close:
                return moment + left
            left -= close - moment
            moment = self.next_open(close)

    def end_of_day(self, now: datetime, business_days: int) -> datetime:
        """Closing time `business_days` business days on: 0 is today's close (or the next business
        day's when closed now), 1 the following business day's."""
        moment = self.next_open(now)
        for _ in range(business_days):
            moment = self.next_open(self.close_after(moment))
        return self.close_after(moment)


def parse(value: str, timezone: str) -> Hours:
    """'Mon-Fri 08:00-17:00' or 'Mon-Fri 08:00-17:00; Sat 09:00-12:00'. Raises ValueError."""
    ZoneInfo(timezone)
    days: dict[int, tuple[time, time]] = {}
    for group in (g.strip().lower() for g in value.split(";")):
        m = _GROUP.match(group)
        if not m:
            raise ValueError("expected e.g. 'Mon-Fri 08:00-17:00' (several groups separated by ';')")
        first, last = DAYS.index(m[1]), DAYS.index(m[2] or m[1])
        if last < first:
            raise ValueError(f"day range {group!r} runs backwards")
        opens, closes = time(int(m[3]), int(m[4])), time(int(m[5]), int(m[6]))
        if closes <= opens:
            raise ValueError(f"closing time in {group!r} is not after opening time")
        for day in range(first, last + 1):
            if day in days:
                raise ValueError(f"{DAYS[day]} is listed twice")
            days[day] = (opens, closes)
    if not days:
        raise ValueError("no opening hours")
    return Hours(days, timezone)


def for_clinic(clinic, default: Hours) -> Hours:
    """A clinic's own `hours` / `timezone` settings (dashboard-editable data, so checked when used:
    a bad value falls back to `default`, the service's CLINIC_HOURS, rather than losing a patient's reply)."""
    settings = (clinic.settings or {}) if clinic is not None else {}
    if "hours" not in settings and "timezone" not in settings:
        return default
    try:
        return parse(settings.get("hours") or _unparse(default), settings.get("timezone") or default.timezone)
    except (ValueError, KeyError):
        logging.getLogger(__name__).error("clinic %s: bad hours or timezone setting; using CLINIC_HOURS",
                                          getattr(clinic, "id", "?"))
        return default


def _unparse(hours: Hours) -> str:
    return "; ".join(f"{DAYS[d]} {a:%H:%M}-{b:%H:%M}" for d, (a, b) in sorted(hours.days.items()))
