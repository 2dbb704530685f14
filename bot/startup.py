"""The start-up bundle: what every enrollment gets first, whatever its day (issue 14).

Steps whose time has passed are never sent, so without this a patient enrolled at discharge on day 3
would never be told who is texting, the 911 line, the bending and lifting limits, or the safety
teaching of days 1-2 (clinical-review.md #9). The bundle is pathway data (the `startup:` block of a
schedule):

* `texts` is the core teaching, in clinical priority order. A text without `covers` is start-up only
  (intro, welcome, limits, the options' texts); `covers: step` makes that step's first day core
  teaching. Every core text the patient would have had before their enrollment moment is owed to
  them (unless `until_day` says it no longer applies), and the core steps still to come are owed on
  their own day: all of them wait in one queue, by priority, and none is ever dropped.
* The first `first` texts (who is texting, 911, welcome, limits) go at once, `first_gap_minutes`
  apart, never in quiet hours; if they cannot all go before quiet hours they all go the next morning.
  On that start day they are all the patient gets beyond room left over (the start day's check-ins
  come after them, while there is room).
* On every later day the check-ins (`expects`) and steps that are neither core nor `reminders` keep
  their place; the queue takes the room left (at most `per_day` texts a local day), from the oldest
  priority down, and the `reminders` of that day get what room is left after it.
* A day later a core text may go, but never a day later than needed: the queue runs until it is
  empty, and `postop content check` fails if, for some enrollment day, hour and options, a text
  missed before enrollment is out later than `max_days` local days from the start day.

Everything here is a pure function of the enrollment (its creation time, surgery date, zone and
settings): the planner may run it again on every pass and gets the same rows and the same keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.pathway_model import Entry, Startup, Step, applies, when_problem
from bot.timeutil import local_to_utc, next_allowed, utc_to_local

STARTUP_FIELDS = {"texts", "per_day", "gap_minutes", "morning", "max_days", "first", "first_gap_minutes",
                  "reminders"}


def parse_startup(raw, rel: str, settings: dict, step_ids: set[str], problems: list) -> Startup | None:
    if raw is None:
        return None
    where = f"{rel} startup"
    if not isinstance(raw, dict) or not isinstance(raw.get("texts"), list):
        problems.append((where, "-", "startup needs a list of texts"))
        return None
    for key in sorted(set(raw) - STARTUP_FIELDS):
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
    reminders = raw.get("reminders") or []
    if not isinstance(reminders, list):
        problems.append((where, "reminders", "reminders is a list of step ids"))
        reminders = []
    for step_id in reminders:
        if step_id not in step_ids:
            problems.append((where, "reminders", f"unknown step {step_id!r}"))
        if any(e.covers == step_id for e in entries):
            problems.append((where, "reminders", f"step {step_id!r} is core teaching (covered) and a reminder"))
    first = int(raw.get("first", 3))
    if any(e.covers or e.when for e in entries[:first]):
        problems.append((where, "first", f"the first {first} texts go to everyone at once: no covers or when"))
    hour, _, minute = str(raw.get("morning", "09:00")).partition(":")
    return Startup(texts=tuple(entries), per_day=int(raw.get("per_day", 3)),
                   gap_minutes=int(raw.get("gap_minutes", 60)), morning=time(int(hour), int(minute or 0)),
                   max_days=int(raw.get("max_days", 3)), first=first,
                   first_gap_minutes=int(raw.get("first_gap_minutes", 5)),
                   reminders=frozenset(str(r) for r in reminders))


@dataclass(frozen=True)
class Bundle:
    texts: list[tuple[Step, int, datetime]]  # (step, post-op day, UTC due time)
    covered: frozenset[tuple[str, int]]  # (step id, day): core steps the bundle places itself
    per_day: int
    kept: dict[int, frozenset[str]] = field(default_factory=dict)  # day -> the pathway's steps still sent
    start_day: int | None = None  # the local post-op day of the first text
    # message -> (day it was owed from, day it goes): what the content check measures
    owed: dict[str, tuple[int, int]] = field(default_factory=dict)
    missed: frozenset[str] = frozenset()  # messages the patient would have had before enrollment

    @property
    def days(self) -> set[int]:
        return {day for _, day, _ in self.texts} | set(self.kept)

    @property
    def last_missed_day(self) -> int | None:
        """The day the last text missed before enrollment goes (the bound is measured on it)."""
        days = [self.owed[m][1] for m in self.missed if m in self.owed]
        return max(days) if days else None


@dataclass
class _Owed:
    rank: int
    entry: Entry
    from_day: int  # first post-op day it may go
    step: Step | None  # the covered step (core teaching on its own day), or None


def _core(startup: Startup, pathway, settings: dict, surgery: date, zone: str, enrolled_at: datetime,
          enrolled_day: int, quiet) -> tuple[list[Entry], list[_Owed], set[str]]:
    """The texts owed: (the first ones, the queue by rank, the messages missed before enrollment)."""
    steps = {s.id: s for s in pathway.steps}
    first: list[Entry] = []
    owed: list[_Owed] = []
    missed: set[str] = set()
    applicable = [e for e in startup.texts if applies(e.when, settings)]
    for rank, entry in enumerate(applicable):
        if entry.covers is None:
            if entry.until_day is not None and enrolled_day > entry.until_day:
                continue
            if rank < startup.first:
                first.append(entry)
            else:
                owed.append(_Owed(rank, entry, enrolled_day, None))
                missed.add(entry.message)
            continue
        step = steps.get(entry.covers)
        if step is None or not applies(step.when, settings):
            continue  # (an unknown step is a load problem, reported by parse_startup)
        day = step.days[0]
        due = next_allowed(local_to_utc(surgery + timedelta(days=day), step.at, zone), zone, quiet)
        if due > enrolled_at:
            owed.append(_Owed(rank, entry, day, step))  # still to come: on its own day
        elif entry.until_day is None or enrolled_day <= entry.until_day:
            owed.append(_Owed(rank, entry, enrolled_day, None))  # missed: owed from the start
            missed.add(entry.message)
    return first, owed, missed


def bundle(pathway, settings: dict, surgery: date, zone: str, enrolled_at: datetime,
           quiet: tuple[time, time]) -> Bundle:
    """The start-up texts and the core teaching of one enrollment, placed in time (module docstring)."""
    startup: Startup | None = pathway.startup
    if startup is None:
        return Bundle([], frozenset(), 3)
    local = lambda moment: utc_to_local(moment, zone)  # noqa: E731
    post_op = lambda moment: (local(moment).date() - surgery).days  # noqa: E731
    enrolled_day = post_op(enrolled_at)
    first, owed, missed = _core(startup, pathway, settings, surgery, zone, enrolled_at, enrolled_day, quiet)
    texts: list[tuple[Step, int, datetime]] = []
    placed: dict[str, tuple[int, int]] = {}

    def emit(message: str, step: Step | None, due: datetime) -> None:
        day = post_op(due)
        at = local(due).time().replace(tzinfo=None, second=0, microsecond=0)
        if step is not None and day == step.days[0]:
            step = Step(id=step.id, days=(day,), at=at, message=step.message, source=step.source)
        else:
            step = Step(id=f"startup-{message}", days=(day,), at=at, message=message)
        texts.append((step, day, due))

    # The first texts: at once, a few minutes apart; all on one local day or all the next morning.
    gap = timedelta(minutes=startup.first_gap_minutes)
    start = next_allowed(enrolled_at + timedelta(minutes=1), zone, quiet)
    if enrolled_day < 0:
        # Before surgery only the first text (who is texting) goes at once; the rest is post-op
        # teaching, owed from day 0 as if the patient had enrolled then
        # (from the morning of the surgery day, which has no steps of its own: week 1 stays as scheduled).
        first, later = first[:1], first[1:]
        owed = [_Owed(-1, e, 0, None) for e in later] + [
            _Owed(o.rank, o.entry, max(o.from_day, 0), o.step) for o in owed]
        missed |= {e.message for e in later}
    times = [next_allowed(start + i * gap, zone, quiet) for i in range(len(first))]
    if times and local(times[-1]).date() != local(times[0]).date():
        morning = local_to_utc(local(times[-1]).date(), startup.morning, zone)
        times = [next_allowed(morning + i * gap, zone, quiet) for i in range(len(first))]
    for entry, due in zip(first, times, strict=True):
        emit(entry.message, None, due)
    start_day = post_op(times[0]) if times else post_op(start)
    first_by_day: dict[int, list[datetime]] = {}
    for due in times:
        first_by_day.setdefault(post_op(due), []).append(due)

    kept: dict[int, frozenset[str]] = {}
    covered: set[tuple[str, int]] = set()
    core_first = {(e.step.id, e.from_day) for e in owed if e.step is not None}
    day = start_day
    while True:
        if day not in first_by_day and not any(o.from_day <= day for o in owed):
            if enrolled_day < 0 and day < 0:
                day += 1  # the pre-op days keep their own steps
                continue
            break  # nothing owed yet: what is still to come goes on its own day, as scheduled
        on_day = [s for s in pathway.steps_on(day, settings)
                  if local_to_utc(surgery + timedelta(days=day), s.at, zone) > enrolled_at]
        firsts = first_by_day.get(day, [])
        fixed = sorted([s for s in on_day if (s.id, day) not in core_first and
                        (s.expects is not None or (s.id not in startup.reminders and not _later(s, day)))],
                       key=lambda s: (s.expects is None, s.at))
        reminders = [s for s in on_day if s not in fixed and (s.id, day) not in core_first]
        room = startup.per_day - len(firsts)
        fixed = fixed[:max(room, 0)]  # only on the start day can the first texts leave a check-in out
        room -= len(fixed)
        ready = sorted((o for o in owed if o.from_day <= day), key=lambda o: o.rank)[:max(room, 0)]
        room -= len(ready)
        reminders = reminders[:max(room, 0)]
        taken = {s.at for s in fixed + reminders} | {local(t).time().replace(tzinfo=None) for t in firsts}
        free = sorted({s.at for s in on_day if s not in fixed and s not in reminders
                       and s.expects is None} - taken)
        after = max(firsts) if firsts else None
        for item in ready:
            at = None
            if item.step is not None and item.step.days[0] == day and item.step.at not in taken:
                at = item.step.at
            else:
                free = [t for t in free if t not in taken]
                at = free.pop(0) if free else None
            slot = local_to_utc(surgery + timedelta(days=day), at, zone) if at else None
            if slot is None or (after is not None and slot <= after):
                slot = _extra(surgery, day, zone, startup, taken, after)
            due = next_allowed(slot, zone, quiet)
            if post_op(due) != day:
                break  # no time left before quiet hours: the rest waits for the next day
            taken.add(local(due).time().replace(tzinfo=None))
            emit(item.entry.message, item.step, due)
            placed[item.entry.message] = (item.from_day, post_op(due))
            if item.step is not None:
                covered.add((item.step.id, item.step.days[0]))
            owed.remove(item)
        # a text that found no time today leaves its room to the day's reminders
        placed_today = sum(1 for _, d, _ in texts if d == day) - len(firsts)
        reminders = [s for s in on_day if s not in fixed and (s.id, day) not in core_first][
            :max(startup.per_day - len(firsts) - len(fixed) - placed_today, 0)]
        kept[day] = frozenset(s.id for s in fixed + reminders)
        day += 1
    # Core steps still to come once the queue is empty go on their own day, as the schedule says.
    for entry in first:
        placed[entry.message] = (start_day, start_day)
    missed |= {e.message for e in first}
    return Bundle(texts, frozenset(covered), startup.per_day, kept, start_day, placed, frozenset(missed))


def _later(step: Step, day: int) -> bool:
    """A step's later days repeat what its first taught: reminders."""
    return day != step.days[0]


def _extra(surgery: date, day: int, zone: str, startup: Startup, taken: set[time], after: datetime | None) -> datetime:
    """A time for a text the day had no slot for: from `morning` (or after the first texts), `gap`
    apart, clear of the times already taken that day."""
    base = local_to_utc(surgery + timedelta(days=day), startup.morning, zone)
    if after is not None and after >= base:
        base = after
    step = timedelta(minutes=startup.gap_minutes)
    due = base + step if after is not None and base == after else base
    while utc_to_local(due, zone).time().replace(tzinfo=None, second=0, microsecond=0) in taken:
        due += step
    return due


def make_room(bundle: Bundle, day: int, steps: list[Step]) -> list[Step]:
    """The pathway's steps on one day, once the bundle has its place: the core steps it placed never
    (it sends them), and on the days it runs only the steps it kept (check-ins first, reminders while
    there is room)."""
    if day in bundle.kept:
        return [s for s in steps if s.id in bundle.kept[day]]
    return [s for s in steps if (s.id, day) not in bundle.covered]
