"""The start-up bundle: what every enrollment gets first, whatever its day (issue 14).

Steps whose time has passed are never sent, so without this a patient enrolled at discharge on day 3
would never be told who is texting, the 911 line or the bending and lifting limits: their first text
would be an unexplained pain question (clinical-review.md #9). The bundle is pathway data (the
`startup:` block of a schedule); this module only places it in time and decides which of the
pathway's own texts make room for it, so that no local day ever carries more than `per_day` texts.

Everything here is a pure function of the enrollment (its creation time, surgery date, zone and
settings): the planner may run it again on every pass and gets the same rows and the same keys.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.pathway_model import Entry, Startup, Step, applies, when_problem
from bot.timeutil import local_to_utc, next_allowed, utc_to_local


def parse_startup(raw, rel: str, settings: dict, step_ids: set[str], problems: list) -> Startup | None:
    if raw is None:
        return None
    where = f"{rel} startup"
    if not isinstance(raw, dict) or not isinstance(raw.get("texts"), list):
        problems.append((where, "-", "startup needs a list of texts"))
        return None
    for key in sorted(set(raw) - {"texts", "per_day", "gap_minutes", "morning", "max_days"}):
        problems.append((where, key, "unknown field"))
    entries = []
    for item in raw["texts"]:
        if not isinstance(item, dict) or "message" not in item:
            problems.append((where, "texts", f"{item!r}: each text needs a message"))
            continue
        for key in sorted(set(item) - {"message", "when", "covers", "until_day"}):
            problems.append((where, str(item["message"]), f"unknown field {key!r}"))
        if problem := when_problem(item.get("when"), settings):
            problems.append((where, str(item["message"]), problem))
        if item.get("covers") is not None and item["covers"] not in step_ids:
            problems.append((where, str(item["message"]), f"covers unknown step {item['covers']!r}"))
        entries.append(Entry(str(item["message"]), item.get("when"), item.get("covers"), item.get("until_day")))
    hour, _, minute = str(raw.get("morning", "09:00")).partition(":")
    return Startup(texts=tuple(entries), per_day=int(raw.get("per_day", 3)),
                   gap_minutes=int(raw.get("gap_minutes", 60)), morning=time(int(hour), int(minute or 0)),
                   max_days=int(raw.get("max_days", 3)))


@dataclass(frozen=True)
class Bundle:
    texts: list[tuple[Step, int, datetime]]  # (step, post-op day, UTC due time)
    covered: frozenset[str]  # pathway steps the bundle stands in for
    per_day: int

    @property
    def days(self) -> set[int]:
        return {day for _, day, _ in self.texts}


def bundle(pathway, settings: dict, surgery: date, zone: str, enrolled_at: datetime,
           quiet: tuple[time, time]) -> Bundle:
    """The start-up texts of one enrollment, placed in time: the first at once (out of quiet hours),
    the others `gap_minutes` apart, at most `per_day` on a local day, from `morning` on later days."""
    startup: Startup | None = pathway.startup
    if startup is None:
        return Bundle([], frozenset(), 3)
    enrolled_day = (utc_to_local(enrolled_at, zone).date() - surgery).days
    # Before surgery only the first text (who is texting) goes at once; the rest is post-op teaching,
    # sent from the morning of day 1 as if the patient had enrolled then.
    # (A tip that falls on a full start-up day and is not covered is left out; the list puts the
    # safety teaching first.)
    day = enrolled_day if enrolled_day >= 0 else 1
    first_days = {s.id: s.days[0] for s in pathway.steps}
    chosen = [e for e in startup.texts if applies(e.when, settings)
              and (e.until_day is None or day <= e.until_day)
              and (e.covers is None or first_days[e.covers] <= day + 1)]
    texts: list[tuple[Step, int, datetime]] = []
    # A minute after enrollment: the planner writes only rows due after its `now` (the enrolling
    # request's), and the dispatch loop sends it at its next pass.
    due = next_allowed(enrolled_at + timedelta(minutes=1), zone, quiet)
    last_day = None
    for i, entry in enumerate(chosen):
        if i == 1 and enrolled_day < 0:  # the post-op part of a pre-op enrollment: a window of its own
            due = next_allowed(local_to_utc(surgery + timedelta(days=1), startup.morning, zone), zone, quiet)
            last_day = None
        local_day = utc_to_local(due, zone).date()
        if sum(1 for _, d, _ in texts if d == (local_day - surgery).days) >= startup.per_day:
            due = next_allowed(local_to_utc(local_day + timedelta(days=1), startup.morning, zone), zone, quiet)
            local_day = utc_to_local(due, zone).date()
        if last_day is None:
            last_day = local_day + timedelta(days=startup.max_days - 1)
        if local_day > last_day:
            break  # what does not fit in the window is left out, and not sent later (docs/content.md)
        step = Step(id=f"startup-{entry.message}", days=((local_day - surgery).days,),
                    at=utc_to_local(due, zone).time().replace(tzinfo=None, second=0, microsecond=0),
                    message=entry.message)
        texts.append((step, (local_day - surgery).days, due))
        due = next_allowed(due + timedelta(minutes=startup.gap_minutes), zone, quiet)
    covered = frozenset(e.covers for e in chosen if e.covers and any(t[0].message == e.message for t in texts))
    return Bundle(texts, covered, startup.per_day)


def make_room(bundle: Bundle, day: int, steps: list[Step]) -> list[Step]:
    """The pathway's steps on one day, once the bundle has its place: covered steps never; on a day
    with start-up texts only as many as the day has room for, check-ins before tips."""
    steps = [s for s in steps if s.id not in bundle.covered]
    if day not in bundle.days:
        return steps
    room = bundle.per_day - sum(1 for _, d, _ in bundle.texts if d == day)
    kept = sorted(steps, key=lambda s: (s.expects is None, s.at))[:max(room, 0)]
    return [s for s in steps if s in kept]
