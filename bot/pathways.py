"""Care pathways as data: `schedules/*.yaml` says which message goes on which post-op day at what
local time; `content/<lang>/*.yaml` holds the words. Loaded once and checked before anything is sent."""
from __future__ import annotations

import re
from datetime import time
from functools import cache
from pathlib import Path

import yaml

from bot.pathway_consistency import consistency_problems
from bot.pathway_model import Library, Message, Pathway, Step, when_problem
from bot.startup import parse_startup
from bot.triage.catalogue import catalogue
from bot.yamlio import safe_load

ROOT = Path(__file__).resolve().parent.parent
EXPECTS = {None, "pain_score", "redflag_list", "yes_no", "score"}  # score: a PEG-3 or PHQ-2 item
_DAYS = re.compile(r"^(\d+)(?:-(\d+)(?:/(\d+))?)?$")


class PathwayError(ValueError):
    """The schedules or content are inconsistent; `problems` lists (file, key, reason)."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{f}: {k}: {r}" for f, k, r in problems))


def parse_days(value, where: str, problems: list) -> tuple[int, ...]:
    """`3`, `[1, 2, 5]`, `"1-14"` or `"15-42/3"` (every third day) -> sorted day numbers."""
    items = value if isinstance(value, list) else [value]
    days: set[int] = set()
    for item in items:
        if isinstance(item, int):
            days.add(item)
            continue
        m = _DAYS.match(str(item).replace(" ", ""))
        if not m:
            problems.append((where, "days", f"cannot read {item!r}; use 3, [1, 2], '1-14' or '15-42/3'"))
            continue
        start, end, every = int(m[1]), int(m[2] or m[1]), int(m[3] or 1)
        if end < start:
            problems.append((where, "days", f"range {item!r} runs backwards"))
        days.update(range(start, end + 1, every))
    return tuple(sorted(days))


def _parse_time(value, where: str, problems: list) -> time:
    try:
        hour, minute = str(value).split(":")
        return time(int(hour), int(minute))
    except (ValueError, TypeError):
        problems.append((where, "at", f"{value!r} is not a HH:MM time"))
        return time(9, 0)


def _rel(path: Path) -> str:
    """schedules/x.yaml or content/en/x.yaml, whichever root the file came from."""
    # From the file's own end, never from the checkout's folder names (a worktree called "content"
    # made every schedule "content/schedules/x.yaml" and the committed previews path-dependent).
    parts = path.parts
    return "/".join(parts[-3:] if len(parts) >= 3 and parts[-3] == "content" and parts[-2] != "schedules"
                    else parts[-2:])


def _load_yaml(path: Path, problems: list):
    try:
        return safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        problems.append((_rel(path), "-", f"unreadable: {e}"))
        return None


def _load_pathway(path: Path, problems: list) -> Pathway | None:
    rel = _rel(path)
    data = _load_yaml(path, problems)
    if not isinstance(data, dict):
        problems.append((rel, "-", "expected a mapping with id, title, length_days, steps"))
        return None
    unknown = set(data) - {"id", "title", "length_days", "settings", "steps", "pre_op_days", "startup"}
    for key in sorted(unknown):
        problems.append((rel, key, "unknown field"))
    steps: list[Step] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("steps") or []):
        where = f"{rel} step {raw.get('id', i + 1) if isinstance(raw, dict) else i + 1}"
        if not isinstance(raw, dict) or not {"id", "days", "at", "message"} <= set(raw):
            problems.append((where, "-", "a step needs id, days, at and message"))
            continue
        for key in sorted(set(raw) - {"id", "days", "at", "message", "expects", "when", "source", "items"}):
            problems.append((where, key, "unknown field"))
        if raw["id"] in seen:
            problems.append((where, "id", "used twice"))
        seen.add(raw["id"])
        if raw.get("expects") not in EXPECTS:
            problems.append((where, "expects", f"must be one of {', '.join(sorted(e for e in EXPECTS if e))},"
                             f" not {raw.get('expects')!r}"))
        items = tuple(str(i) for i in raw.get("items") or ())
        if (raw.get("expects") == "redflag_list") != bool(items):
            problems.append((where, "items", "a redflag_list step lists its items, and only such a step does"))
        for item in items:
            if item not in catalogue():
                problems.append((where, "items", f"{item!r} is not a flag of the red-flag catalogue"))
        if problem := when_problem(raw.get("when"), data.get("settings") or {}):
            problems.append((where, "when", problem))
        step = Step(id=str(raw["id"]), days=parse_days(raw["days"], where, problems),
                    at=_parse_time(raw["at"], where, problems), message=str(raw["message"]),
                    expects=raw.get("expects"), when=raw.get("when"), source=raw.get("source"), items=items)
        if step.days and step.days[-1] > int(data.get("length_days", 0)) and not step.when:
            # After the pathway only an optional follow-up, switched on by a setting (month 6).
            problems.append((where, "days", f"day {step.days[-1]} is after length_days (only a step with "
                             "`when:` may follow the pathway)"))
        if step.days and step.days[0] < -int(data.get("pre_op_days") or 0):
            problems.append((where, "days", f"day {step.days[0]} is before the pre-op phase (pre_op_days)"))
        steps.append(step)
    if "id" not in data or "length_days" not in data:
        problems.append((rel, "-", "id and length_days are required"))
        return None
    settings = dict(data.get("settings") or {})
    return Pathway(id=str(data["id"]), title=str(data.get("title", data["id"])),
                   length_days=int(data["length_days"]), settings=settings, steps=steps, file=rel,
                   pre_op_days=int(data.get("pre_op_days") or 0),
                   startup=parse_startup(data.get("startup"), rel, settings, {s.id for s in steps}, problems))


def _load_content(folder: Path, problems: list) -> dict[str, Message]:
    messages: dict[str, Message] = {}
    for path in sorted(folder.glob("*.yaml")):
        rel = _rel(path)
        data = _load_yaml(path, problems) or {}
        for key, entry in data.items():
            if isinstance(entry, str):
                entry = {"text": entry}
            if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
                problems.append((rel, key, "needs a text"))
                continue
            for extra in sorted(set(entry) - {"text", "source"}):
                problems.append((rel, key, f"unknown field {extra!r}"))
            if key in messages:
                problems.append((rel, key, f"also defined in {messages[key].file}"))
            messages[key] = Message(key=key, text=entry["text"].strip(), file=rel, source=entry.get("source"))
    return messages


def load(root: Path = ROOT) -> tuple[Library, list[tuple[str, str, str]]]:
    """Read everything and return the library with every problem found (empty when consistent)."""
    problems: list[tuple[str, str, str]] = []
    pathways = {}
    for path in sorted((root / "schedules").glob("*.yaml")):
        pathway = _load_pathway(path, problems)
        if pathway:
            pathways[pathway.id] = pathway
    content = {d.name: _load_content(d, problems) for d in sorted((root / "content").iterdir()) if d.is_dir()}
    library = Library(pathways=pathways, content=content)
    problems += consistency_problems(library)
    return library, problems


@cache
def library(root: Path = ROOT) -> Library:
    """The checked library; raises PathwayError so a bad edit stops the service at start-up."""
    lib, problems = load(root)
    if problems:
        raise PathwayError(problems)
    return lib
