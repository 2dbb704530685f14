"""UTC in storage, patient-local at the edge."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones


def utcnow() -> datetime:
    """Naive UTC: what every DateTime column holds (SQLite keeps no zone, so neither does PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def known_zone(name: str) -> bool:
    """An IANA time zone name this machine knows ("America/Chicago")."""
    return name in _zones()


@cache
def _zones() -> frozenset[str]:
    # Read once: listing the zone files costs about 90 ms, and settings are parsed for every app.
    return frozenset(available_timezones())


def typed_date(raw: str) -> date:
    """A date someone typed into a form, a CSV or the API, as YYYY-MM-DD; a ValueError says what is
    wrong in words for them (the field's name goes before it)."""
    if not raw:
        raise ValueError("required, as YYYY-MM-DD")
    if len(raw) != 10:
        raise ValueError("use YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a real date (YYYY-MM-DD)") from None


def local_to_utc(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of a wall-clock time on a local day.

    A wall time that does not exist (skipped by a spring-forward) moves forward by the gap, and one
    that happens twice (fall-back) takes the first, so 09:00 stays 09:00 whatever the season.
    """
    # fold=0 (the default) gives exactly that: zoneinfo reads a gap time with the offset before the
    # change (02:30 -> 03:30 EDT) and an ambiguous time as its first occurrence.
    local = datetime.combine(day, at, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def utc_to_local(moment: datetime, zone: str) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))


def local_today(zone: str, now: datetime | None = None) -> date:
    return utc_to_local(now or utcnow(), zone).date()


def in_quiet_hours(local: time, quiet: tuple[time, time]) -> bool:
    start, end = quiet
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the window wraps midnight


def next_allowed(moment_utc: datetime, zone: str, quiet: tuple[time, time]) -> datetime:
    """The first minute at or after `moment_utc` outside the patient's quiet hours."""
    local = utc_to_local(moment_utc, zone)
    if not in_quiet_hours(local.time().replace(tzinfo=None), quiet):
        return moment_utc
    end = quiet[1]
    day = local.date()
    if local.time().replace(tzinfo=None) >= end:
        day += timedelta(days=1)
    return local_to_utc(day, end, zone)
