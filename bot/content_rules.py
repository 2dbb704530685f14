"""The stricter half of `postop content check` (issue 14): what the clinical review found missing or
contradictory, as rules that fail the check rather than findings someone has to remember.

* every safety topic of the review has a text some pathway sends (opioid safety, CSF leak, falls)
  and the 911 rule for cauda equina exists in every language and says 911 when the red-flag
  catalogue makes cauda equina an emergency;
* no text gives advice about the cauda-equina signs in other words than that one rule;
* at most 3 texts on any local day for an enrollment on any day, at any hour, with any options,
  the start-up bundle included; every core text (the `startup:` list: missed before enrollment, or
  still to come) is sent, and the ones missed before enrollment within `max_days` local days;
* no English inside a text of another language (pathway defaults filled in);
* no placeholder whose value can be empty.
"""
from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import date, time, timedelta

from bot import pathways
from bot.pathway_model import applies
from bot.planner import send_time
from bot.startup import Bundle, bundle, make_room
from bot.timeutil import local_to_utc, utc_to_local
from bot.triage.catalogue import catalogue
from bot.triage.result import Tier

# Safety topics of the review (clinical-review.md top 8 #3, #4, #6, #17) -> the content key teaching it.
SAFETY_TOPICS = {"opioid safety": "opioid_safety", "CSF leak": "csf_leak", "falls": "falls",
                 "nicotine in every form": "no_nicotine", "911 for cauda equina": "er_rule"}
# Words that say a text is about the cauda-equina signs; such a text must carry the er_rule sentence.
CAUDA_SIGNS = {"en": ("between your legs", "bladder", "trouble peeing"),
               "es": ("entrepierna", "orinar", "la orina")}
# English words that have no business in a Spanish (or other) text: carrier words included, since
# "Msg & data rates" or "Reply STOP" inside a Spanish text is English the patient may not read.
ENGLISH_WORDS = {"the", "and", "your", "you", "call", "please", "reply", "help", "stop", "start", "text",
                 "texts", "surgeon", "office", "team", "msg", "data", "rates", "may", "apply", "with",
                 "today", "now", "not", "if", "or", "of", "to", "is", "are", "we", "will", "pain", "back",
                 "day", "days", "week", "weeks", "yes"}
ENROLL_TIMES = (time(8, 0), time(12, 30), time(20, 45))
EARLIEST_ENROLLMENT = 60  # days before surgery (bot.enrollment.MAX_DAYS_AHEAD)
MAX_TEXTS_PER_DAY = 3


def option_combinations(pathway: pathways.Pathway) -> list[dict]:
    """Every combination of the values the steps depend on: on/off for `when: brace`, each named value
    (and one other) for `when: approach=lateral`."""
    whens = {s.when for s in pathway.steps if s.when}
    if pathway.startup:
        whens |= {e.when for e in pathway.startup.texts if e.when}
    choices: dict[str, set] = {}
    for when in whens:
        name, eq, value = when.partition("=")
        choices.setdefault(name, {pathway.settings.get(name)})
        choices[name] |= {value, "other"} if eq else {False, True}
    names = sorted(choices)
    return [{**pathway.settings, **dict(zip(names, combo, strict=True))}
            for combo in itertools.product(*(sorted(choices[n], key=str) for n in names))]


def distinct_combinations(pathway: pathways.Pathway) -> list[dict]:
    """option_combinations, one per distinct set of texts in the first `length_days` (an option that
    only adds a month-6 follow-up, or an approach value without texts, changes nothing earlier)."""
    seen, out = set(), []
    whens = sorted({s.when for s in pathway.steps if s.when and s.days[0] <= pathway.length_days}
                   | ({e.when for e in pathway.startup.texts if e.when} if pathway.startup else set()))
    for combo in option_combinations(pathway):
        signature = tuple(applies(w, combo) for w in whens)
        if signature not in seen:
            seen.add(signature)
            out.append(combo)
    return out


def all_on(pathway: pathways.Pathway) -> dict:
    """The settings with every option a step depends on switched on (for the preview)."""
    values = dict(pathway.settings)
    whens = [s.when for s in pathway.steps if s.when]
    whens += [e.when for e in pathway.startup.texts if e.when] if pathway.startup else []
    for when in whens:
        name, eq, value = when.partition("=")
        values[name] = value if eq else True
    return values


SURGERY = date(2026, 6, 1)
ZONE = "America/New_York"
QUIET = (time(21, 0), time(8, 0))


def enrollment_plan(pathway: pathways.Pathway, settings: dict, enrolled_day: int, at: time,
                    zone: str = ZONE, quiet=QUIET) -> tuple[Bundle, list[tuple[int, str]]]:
    """One enrollment as the planner writes it: the bundle and every (post-op day, message) sent."""
    enrolled_at = local_to_utc(SURGERY + timedelta(days=enrolled_day), at, zone)
    start = bundle(pathway, settings, SURGERY, zone, enrolled_at, quiet)
    sent = [(day, step.message) for step, day, _ in start.texts]
    # Past the bundle's days the plain schedule runs (make_room only leaves out what the bundle sent),
    # and schedule_problems checks the plain schedule for every day.
    days = set(range(enrolled_day, max(start.days | {enrolled_day}) + 2))
    # and the first day of each core step (what the bundle did not send goes on it, as scheduled)
    if pathway.startup is not None:
        steps = {s.id: s for s in pathway.steps}
        days |= {steps[e.covers].days[0] for e in pathway.startup.texts if e.covers in steps}
    for day in sorted(d for d in days if d >= enrolled_day):
        for step in make_room(start, day, pathway.steps_on(day, settings)):
            due = send_time(step, SURGERY, day, zone, quiet)
            if due > enrolled_at:
                sent.append(((utc_to_local(due, zone).date() - SURGERY).days, step.message))
    return start, sent


def texts_per_day(pathway: pathways.Pathway, settings: dict, enrolled_day: int, at: time,
                  zone: str = ZONE, quiet=QUIET) -> Counter:
    """Local day -> texts for one enrollment, as the planner writes them (bundle included)."""
    return Counter(day for day, _ in enrollment_plan(pathway, settings, enrolled_day, at, zone, quiet)[1])


def owed_core(pathway: pathways.Pathway, settings: dict, enrolled_day: int, at: time,
              zone: str = ZONE, quiet=QUIET) -> tuple[set[str], set[str]]:
    """The core teaching an enrollment must get, read from the data alone (not from bot/startup.py):
    (what it missed before enrolling, the core steps still to come)."""
    assert pathway.startup is not None
    enrolled_at = local_to_utc(SURGERY + timedelta(days=enrolled_day), at, zone)
    steps = {s.id: s for s in pathway.steps}
    missed, to_come = set(), set()
    for entry in pathway.startup.texts:
        if not applies(entry.when, settings):
            continue
        relevant = entry.until_day is None or enrolled_day <= entry.until_day
        if entry.covers is None:
            if relevant:
                missed.add(entry.message)
            continue
        step = steps.get(entry.covers)
        if step is None or not applies(step.when, settings):
            continue
        if send_time(step, SURGERY, step.days[0], zone, quiet) > enrolled_at:
            to_come.add(entry.message)
        elif relevant:
            missed.add(entry.message)
    return missed, to_come


def volume_problems(library: pathways.Library) -> list[tuple[str, str, str]]:
    """At most 3 texts a local day, and no core text dropped or later than the bound (`max_days`)."""
    problems = []
    for pathway in library.pathways.values():
        worst: tuple[int, str] = (0, "")
        late: tuple[int, str] = (0, "")
        dropped: list[str] = []
        # Enrollment days before the pre-op phase differ only in the day of the first text.
        enrolled_days = [-EARLIEST_ENROLLMENT, *range(-pathway.pre_op_days - 1, pathway.length_days + 1)]
        for settings in distinct_combinations(pathway):
            flags = ", ".join(f"{n}={settings[n]}" for n in ("brace", "hip_graft", "approach") if n in settings)
            for enrolled_day in enrolled_days:
                for at in ENROLL_TIMES:
                    start, sent = enrollment_plan(pathway, settings, enrolled_day, at)
                    counts = Counter(day for day, _ in sent)
                    day, n = max(counts.items(), key=lambda kv: kv[1], default=(0, 0))
                    where = f"enrolled on day {enrolled_day} at {at:%H:%M} [{flags}]"
                    if n > worst[0]:
                        worst = (n, f"{where}: {n} texts on day {day}")
                    if pathway.startup is None:
                        continue
                    missed, to_come = owed_core(pathway, settings, enrolled_day, at)
                    messages = {m for _, m in sent}
                    for message in sorted((missed | to_come) - messages):
                        if len(dropped) < 5:
                            dropped.append(f"{where}: {message}")
                    first = 0 if enrolled_day < 0 else (start.start_day or enrolled_day)
                    firsts: dict[str, int] = {}
                    for d, m in sent:  # a core step's later days are reminders: its first send counts
                        if m in missed and d >= first:
                            firsts[m] = min(firsts.get(m, d), d)
                    last = max(firsts.values(), default=first)
                    if last - first + 1 > late[0]:
                        late = (last - first + 1, f"{where}: the last missed text goes on day {last}")
        if worst[0] > MAX_TEXTS_PER_DAY:
            problems.append((pathway.file, "start-up", f"{worst[1]}; at most {MAX_TEXTS_PER_DAY} a day"))
        for drop in dropped:
            problems.append((pathway.file, "start-up", f"core text never sent: {drop}"))
        if pathway.startup is not None and late[0] > pathway.startup.max_days:
            problems.append((pathway.file, "start-up", f"{late[1]}, day {late[0]} from the start; the bound "
                             f"(max_days) is {pathway.startup.max_days}"))
    return problems


def _sent_keys(library: pathways.Library) -> set[str]:
    keys = {s.message for p in library.pathways.values() for s in p.steps}
    keys |= {e.message for p in library.pathways.values() if p.startup for e in p.startup.texts}
    return keys


def safety_problems(library: pathways.Library) -> list[tuple[str, str, str]]:
    problems = []
    sent = _sent_keys(library) | {"er_rule"}
    for topic, key in SAFETY_TOPICS.items():
        if key not in sent:
            problems.append(("schedules", key, f"safety topic {topic!r} has no text that any pathway sends"))
    emergency = catalogue()["cauda_equina"].tier == Tier.EMERGENCY
    questions = {s.message for p in library.pathways.values() for s in p.steps if s.expects == "redflag_list"}
    for lang, messages in library.content.items():
        rule = messages.get("er_rule")
        if rule is None:
            problems.append((f"content/{lang}", "er_rule", "the 911 rule for cauda equina is missing"))
            continue
        if emergency and "911" not in rule.text:
            problems.append((rule.file, "er_rule", "the catalogue makes cauda equina an emergency; the rule "
                             "must say 911"))
        for key, message in messages.items():
            if key in questions | {"er_rule"}:
                continue
            if any(sign in message.text for sign in CAUDA_SIGNS.get(lang, ())) and rule.text not in message.text:
                problems.append((message.file, key, "gives advice on the cauda-equina signs without the exact "
                                 "er_rule sentence (the catalogue's 911 rule)"))
    return problems


def language_problems(library: pathways.Library) -> list[tuple[str, str, str]]:
    problems = []
    defaults: dict = {}
    for pathway in library.pathways.values():
        defaults.update(pathway.settings)
    for lang, messages in library.content.items():
        for key, message in messages.items():
            # Placeholders that may render empty: a setting whose default is empty.
            for name in sorted(message.placeholders & set(defaults)):
                if defaults[name] is None or str(defaults[name]).strip() == "":
                    problems.append((message.file, key, f"{{{name}}} can render empty (its default is empty)"))
            if lang == "en" or key == "page":  # the staff page is for staff
                continue
            shown = re.sub(r"\{(\w+)\}", lambda m: str(defaults.get(m[1], "")), message.text)
            english = sorted({w for w in re.findall(r"[A-Za-z]+", shown) if w.lower() in ENGLISH_WORDS})
            if english:
                problems.append((message.file, key, f"English inside a {lang} text: {', '.join(english)}"))
    return problems


def problems(library: pathways.Library) -> list[tuple[str, str, str]]:
    return safety_problems(library) + language_problems(library) + volume_problems(library)

