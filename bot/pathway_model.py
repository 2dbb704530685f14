"""What a care pathway is once loaded: steps on post-op days, the messages they name, the library
of both. bot/pathways.py reads and checks the files into these."""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import time

# Values every message may use; clinic/pathway settings add their own names on top.
PATIENT_FIELDS = {"first_name", "clinic_name", "clinic_phone", "day", "week"}


@dataclass(frozen=True)
class Step:
    id: str
    days: tuple[int, ...]
    at: time
    message: str
    expects: str | None = None
    # a setting the step depends on: "brace" (runs when true) or "approach=lateral" (when it has that value)
    when: str | None = None
    source: str | None = None
    # redflag_list: the catalogue flag each numbered item of the text stands for (item 1 first)
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    """A text of the start-up bundle (bot/startup.py), the `startup:` block of a schedule."""
    message: str
    when: str | None = None
    # a step id: this text is that step's core teaching (its first day): the bundle places it, whether
    # it was missed before enrollment or is still to come, and it is never dropped
    covers: str | None = None
    until_day: int | None = None  # missed by an enrollment after this post-op day: no longer sent


@dataclass(frozen=True)
class Startup:
    texts: tuple[Entry, ...]
    per_day: int = 3
    gap_minutes: int = 60
    morning: time = time(9, 0)
    max_days: int = 3  # the bound: every text missed before enrollment is out by this many local days
    first: int = 3  # the first texts (who is texting, 911, welcome, limits) go at once, a few minutes apart
    first_gap_minutes: int = 5
    # pathway steps that are reminders: they give their room to the bundle on a day that needs it
    reminders: frozenset[str] = frozenset()


@dataclass
class Pathway:
    id: str
    title: str
    length_days: int
    settings: dict
    steps: list[Step]
    file: str = ""
    by_day: dict[int, list[Step]] = field(default_factory=dict)
    pre_op_days: int = 0  # steps may run this many days before surgery (negative days)
    startup: Startup | None = None  # the texts every enrollment gets first

    def __post_init__(self) -> None:
        for step in self.steps:
            for day in step.days:
                self.by_day.setdefault(day, []).append(step)
        for steps in self.by_day.values():
            steps.sort(key=lambda s: (s.at, s.id))

    def steps_on(self, day: int, settings: dict) -> list[Step]:
        return [s for s in self.by_day.get(day, ()) if applies(s.when, settings)]

    @property
    def first_day(self) -> int:
        return -self.pre_op_days

    @property
    def last_day(self) -> int:
        """The last day any step can run: length_days, or an optional follow-up after it (month 6)."""
        return max([self.length_days, *(d for s in self.steps for d in s.days)])

    def last_day_for(self, settings: dict) -> int:
        """The last day with a step for these settings (the month-6 check-in only when it is on)."""
        return max([self.length_days, *(d for s in self.steps if applies(s.when, settings) for d in s.days)])


def applies(when: str | None, settings: dict) -> bool:
    """`when: brace` is true when the setting is; `when: approach=lateral` when it has that value."""
    if when is None:
        return True
    name, eq, value = when.partition("=")
    return str(settings.get(name)) == value if eq else bool(settings.get(name))


def when_problem(when, settings: dict) -> str | None:
    if when is None:
        return None
    name = str(when).partition("=")[0]
    return None if name in settings else f"{when!r} is not a setting of this pathway"


@dataclass(frozen=True)
class Message:
    key: str
    text: str
    file: str
    source: str | None = None

    @property
    def placeholders(self) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.text) if name}


@dataclass
class Library:
    pathways: dict[str, Pathway]
    content: dict[str, dict[str, Message]]  # language -> key -> message

    @property
    def languages(self) -> list[str]:
        return sorted(self.content)

    def render(self, language: str, key: str, values: dict) -> str:
        return self.content[language][key].text.format_map(values)
