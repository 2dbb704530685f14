"""Quality checks on the words patients read, on top of `pathways.load()`'s consistency problems.

`pathways.load()` makes sure the schedules and content fit together (every step has its message in
every language, placeholders exist, nothing is unused). This module checks what it costs and how it
reads once the placeholders are filled in:

* encoding: English must fit GSM-7 (no curly quotes, long dashes, non-breaking spaces); the
  offending characters are named;
* segments: every message at most 3 segments, English at most 2, counted AFTER filling the
  placeholders with realistic worst-case values (WORST_CASE and `worst_case_setting`);
* reading level: the average Flesch-Kincaid grade of the English patient texts at most 6; any one
  English text above grade 8 is a warning (it does not fail the check);
* `source`: required on every English pathway message;
* volume: at most 3 texts on any day, for every combination of the settings steps depend on (`when`);
* timing: no step at a local time inside quiet hours.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

import textstat

from bot import pathways
from bot.content_rules import option_combinations
from bot.content_rules import problems as stricter
from bot.sms import is_gsm7, non_gsm_characters, segments
from bot.timeutil import in_quiet_hours

MAX_TEXTS_PER_DAY = 3
MAX_SEGMENTS = 3
MAX_SEGMENTS_GSM_LANGS = {"en": 2}  # languages that must stay GSM-7, with their tighter limit
MAX_AVERAGE_GRADE = 6.0
WARN_GRADE = 8.0
QUIET_HOURS = (time(21, 0), time(8, 0))  # the service default (QUIET_HOURS=21:00-08:00)
# Messages for staff, not patients: costed, but not part of the patients' reading level.
STAFF_KEYS = {"page", "er_rule", "read_today", "read_tomorrow", "read_weekday", "weekdays", "pain_back_leg"}
# Safety texts may take one segment more: the replies carrying the whole 911 rule are rare, and a
# patient with numbness between the legs must read the whole rule, not a shortened one; the red-flag
# check-in must list every item in words a patient recognises.
# The reply to a pain score that may be check-in items names each item and its action (costed here with
# one item, the usual case; two items take en 3, es 6 segments).
SAFETY_KEYS = {"help", "screen_yes_reply", "screen_yes_reply_unpaged", "checkin_redflags", "goodbye",
               "ambiguous_pain_reply"}

# Longest realistic values, for counting segments.
WORST_CASE = {
    "first_name": "Christabella",  # 12 characters
    "clinic_name": "Alder Valley Spine Surgery Ctr",  # 30 characters
    "clinic_phone": "+1 202 555 0143",
    "day": "84",
    "week": "13",
    # the staff page (messages.SYSTEM_KEYS["page"])
    "tier": "EMERGENCY",
    "flags": "chest pain, leg weakness, trouble peeing",
    "enrollment_id": "1234567",
    "code": "ABC123",
    "link": "https://postop.example.org/e/1234567/abcdef",
    # when the clinic will read a reply (bot/replies.read_when), its longest form in any language
    "read_when": "el miércoles antes de las 10:30",
    "time": "10:30 AM",
    "weekday": "Wednesday",
    # a pain score that may be check-in items (bot/respond._maybe_checkin_items): the longest item
    "pain": "7",
    "back": "10",
    "leg": "10",
    "number": "4",
    "item": "new trouble peeing, or bladder or bowel control",
    "safety_items": "If you meant number 2 on the safety check (new trouble peeing, or bladder or bowel control): "
                    "call +1 202 555 0143 today.",
}
# Patients who read other languages often have names with letters outside GSM-7 ("María Ángela",
# 12 characters): that alone turns the text into UCS-2 (70 characters a segment), so count that too.
WORST_CASE_ACCENTED = {"first_name": "María Ángela"}
# Typical values, for reading level and for the preview.
SAMPLE = {
    "first_name": "Ana",
    "clinic_name": "Alder Valley Spine Center",
    "clinic_phone": "+1 202 555 0143",
    "day": "5",
    "week": "1",
    "tier": "URGENT",
    "flags": "fever",
    "enrollment_id": "42",
    "code": "K7Q2",
    "link": "https://postop.example.org/e/42",
    "read_when": "today by 3 PM",
    "time": "3 PM",
    "weekday": "Monday",
    "pain": "3",
    "back": "4",
    "leg": "2",
    "number": "3",
    "item": "numbness between your legs",
    "safety_items": "If you meant number 3 on the safety check (numbness between your legs): go to the ER now "
                    "or call 911.",
}


def worst_case_setting(value) -> str:
    """A clinic may override a pathway default: count one digit more than a number's default, and a
    name of at least 30 characters."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return "9" * (len(str(value)) + 1)
    return str(value).ljust(30, "x")


class _Missing(dict):
    """format_map values that leave unknown placeholders visible (the loader reports them)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, values: dict) -> str:
    try:
        return string.Formatter().vformat(text, (), _Missing(values))
    except (ValueError, IndexError, AttributeError, KeyError):
        return text  # a malformed template: counted as written


@dataclass(frozen=True)
class ReportRow:
    key: str
    lang: str
    file: str
    chars: int  # after filling placeholders with worst-case values
    segments: int
    encoding: str  # "GSM-7" or "UCS-2"
    grade: float | None  # Flesch-Kincaid grade with sample values (English patient texts only)


@dataclass
class CheckResult:
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str, str]] = field(default_factory=list)
    report: list[ReportRow] = field(default_factory=list)

    @property
    def average_grade(self) -> float | None:
        grades = [r.grade for r in self.report if r.grade is not None]
        return round(sum(grades) / len(grades), 2) if grades else None

    def max_segments(self, lang: str) -> int:
        return max((r.segments for r in self.report if r.lang == lang), default=0)

    def __iter__(self):  # `problems, report = check()`
        return iter((self.problems, self.report))


def grade(text: str) -> float:
    return float(textstat.flesch_kincaid_grade(text))


def _pathway_keys(library: pathways.Library) -> dict[str, list[pathways.Pathway]]:
    """content key -> the pathways whose steps send it."""
    used: dict[str, list[pathways.Pathway]] = {}
    for pathway in library.pathways.values():
        for step in pathway.steps:
            if pathway not in used.setdefault(step.message, []):
                used[step.message].append(pathway)
    return used


def _values(base: dict, pathway: pathways.Pathway | None, worst: bool) -> dict:
    values = dict(base)
    if pathway is not None:
        for name, value in pathway.settings.items():
            values[name] = worst_case_setting(value) if worst else value
    return values


def message_problems(library: pathways.Library, result: CheckResult) -> None:
    sent_by = _pathway_keys(library)
    for lang, messages in sorted(library.content.items()):
        gsm_only = lang in MAX_SEGMENTS_GSM_LANGS
        for key, message in sorted(messages.items()):
            limit = MAX_SEGMENTS_GSM_LANGS.get(lang, MAX_SEGMENTS) + (key in SAFETY_KEYS)
            # None: a text no pathway step sends (a reply, a page), filled with the defaults alone.
            users: list[pathways.Pathway | None] = [*sent_by.get(key, [])] or [None]
            if key in sent_by and lang == "en" and not (message.source or "").strip():
                result.problems.append((message.file, key, "English pathway message has no source"))
            bad = non_gsm_characters(message.text)
            if gsm_only and bad:
                shown = " ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in bad)
                result.problems.append((message.file, key, f"not GSM-7: {shown}"))
            # The costliest rendering over the pathways that send this key.
            bases = [WORST_CASE] if gsm_only else [WORST_CASE, {**WORST_CASE, **WORST_CASE_ACCENTED}]
            worst = max((fill(message.text, _values(base, p, True)) for p in users for base in bases),
                        key=lambda t: (segments(t), len(t)))
            count = segments(worst)
            if count > limit:
                result.problems.append((message.file, key, f"{count} segments after filling placeholders "
                                        f"({len(worst)} characters); at most {limit} allowed"))
            level = None
            if lang == "en" and key not in STAFF_KEYS:
                level = round(grade(fill(message.text, _values(SAMPLE, users[0], False))), 1)
                if level > WARN_GRADE:
                    result.warnings.append((message.file, key, f"reading grade {level} is above {WARN_GRADE:g}"))
            result.report.append(ReportRow(key=key, lang=lang, file=message.file, chars=len(worst),
                                           segments=count, encoding="GSM-7" if is_gsm7(worst) else "UCS-2",
                                           grade=level))
    average = result.average_grade
    if average is not None and average > MAX_AVERAGE_GRADE:
        result.problems.append(("content/en", "-", f"average reading grade {average} is above "
                                f"{MAX_AVERAGE_GRADE:g}"))


def setting_combinations(pathway: pathways.Pathway) -> list[dict]:
    """Every combination of the options that steps depend on, over the pathway defaults."""
    return option_combinations(pathway)


def schedule_problems(library: pathways.Library, result: CheckResult,
                      quiet: tuple[time, time] = QUIET_HOURS) -> None:
    for pathway in library.pathways.values():
        for step in pathway.steps:
            if in_quiet_hours(step.at, quiet):
                result.problems.append((pathway.file, step.id, f"time {step.at:%H:%M} is inside quiet hours "
                                        f"{quiet[0]:%H:%M}-{quiet[1]:%H:%M}"))
        for combo in setting_combinations(pathway):
            for day in sorted(pathway.by_day):
                steps = pathway.steps_on(day, combo)
                # the options that put a step on this day (so one problem is reported once)
                flags = ", ".join(f"{n}={combo[n]}" for n in sorted({s.when.partition("=")[0]
                                                                      for s in steps if s.when}))
                if len(steps) > MAX_TEXTS_PER_DAY:
                    problem = (pathway.file, f"day {day}", f"{len(steps)} texts ({', '.join(s.id for s in steps)})"
                               f"; at most {MAX_TEXTS_PER_DAY} a day" + (f" [{flags}]" if flags else ""))
                    if problem not in result.problems:
                        result.problems.append(problem)


def check(root: Path = pathways.ROOT, quiet: tuple[time, time] = QUIET_HOURS) -> CheckResult:
    """Load everything under `root` and return the loader's problems plus the quality problems."""
    library, problems = pathways.load(root)
    result = CheckResult(problems=list(problems))
    schedule_problems(library, result, quiet)
    message_problems(library, result)
    result.problems += stricter(library)
    return result
