"""`postop content check` and `postop schedule preview`: the tools clinicians and editors use before
a change to schedules/ or content/ ships."""
from __future__ import annotations

from collections import Counter
from datetime import date, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from bot import content_check, content_rules, pathways
from bot.config import _parse_quiet_hours
from bot.messages import day_values
from bot.planner import send_time
from bot.sms import is_gsm7, segments
from bot.timeutil import utc_to_local

DEFAULT_TIMEZONE = "America/New_York"
DEFAULT_QUIET_HOURS = "21:00-08:00"


class BadParameter(click.BadParameter):
    """A bad option value: a clear message and exit status 1 (click's own usage errors use 2)."""

    exit_code = 1


def _quiet_hours(value: str, param: str = "--quiet-hours") -> tuple[time, time]:
    try:
        return _parse_quiet_hours(value)
    except ValueError as e:
        raise BadParameter(f"{value!r}: {e}", param_hint=param) from None


_root_option = click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
                            help="Project folder holding schedules/ and content/ (default: this project).")
_quiet_option = click.option("--quiet-hours", default=DEFAULT_QUIET_HOURS, show_default=True,
                             help="No texts in this local window (the service's QUIET_HOURS).")


@click.group("content")
def content_group() -> None:
    """Check the words patients read (content/<language>/*.yaml) and the schedules that send them."""


@content_group.command("check")
@click.option("--report", is_flag=True, help="Also print every message: characters, segments, encoding, "
              "reading grade.")
@_quiet_option
@_root_option
def check_command(report: bool, quiet_hours: str, root: Path | None) -> None:
    """Validate every schedule and content file; print `file: key: reason` for each problem and exit 1
    if there is any. Warnings (hard-to-read English texts) are printed but do not fail the check."""
    quiet = _quiet_hours(quiet_hours)
    result = content_check.check((root or pathways.ROOT).resolve(), quiet)
    if report:
        click.echo(f"{'key':<24} {'lang':<4} {'chars':>5} {'segments':>8} {'encoding':<8} {'grade':>5}")
        for row in sorted(result.report, key=lambda r: (r.lang, r.key)):
            grade = "" if row.grade is None else f"{row.grade:.1f}"
            click.echo(f"{row.key:<24} {row.lang:<4} {row.chars:>5} {row.segments:>8} {row.encoding:<8} {grade:>5}")
        click.echo("(chars and segments with worst-case placeholder values; grade = Flesch-Kincaid, English "
                   "patient texts, sample values)")
        click.echo("")
    for file, key, reason in result.warnings:
        click.echo(f"{file}: {key}: warning: {reason}")
    for file, key, reason in result.problems:
        click.echo(f"{file}: {key}: {reason}")
    counts = Counter(r.lang for r in result.report)
    langs = ", ".join(f"{n} {lang} (max {result.max_segments(lang)} segments)" for lang, n in sorted(counts.items()))
    summary = f"messages: {langs}; average English grade {result.average_grade}"
    if result.problems:
        click.echo(f"{len(result.problems)} problem(s), {len(result.warnings)} warning(s). {summary}")
        raise SystemExit(1)
    click.echo(f"OK: no problems, {len(result.warnings)} warning(s). {summary}")


@click.group("schedule")
def schedule_group() -> None:
    """Look at a pathway the way patients will receive it."""


def _segments_label(count: int) -> str:
    return f"{count} segment" + ("" if count == 1 else "s")


@schedule_group.command("preview")
@click.option("--pathway", "pathway_id", required=True, help="Pathway id, e.g. lumbar-fusion.")
@click.option("--language", default="en", show_default=True, help="Content language, e.g. en or es.")
@click.option("--surgery-date", default=None, help="YYYY-MM-DD (day 0). Default: today.")
@click.option("--timezone", "zone", default=DEFAULT_TIMEZONE, show_default=True, help="IANA time zone.")
@_quiet_option
@_root_option
def preview_command(pathway_id: str, language: str, surgery_date: str | None, zone: str, quiet_hours: str,
                    root: Path | None) -> None:
    """Print the pathway day by day with local send times, the text with sample values and its
    segment count, for a clinician's sign-off. Markdown, so it can be saved under docs/."""
    library, problems = pathways.load((root or pathways.ROOT).resolve())
    if pathway_id not in library.pathways:
        raise BadParameter(f"unknown pathway {pathway_id!r}; known: {', '.join(sorted(library.pathways)) or 'none'}",
                           param_hint="--pathway")
    if language not in library.content:
        raise BadParameter(f"unknown language {language!r}; known: {', '.join(library.languages) or 'none'}",
                           param_hint="--language")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadParameter(f"unknown time zone {zone!r}; use an IANA name such as America/New_York",
                           param_hint="--timezone") from None
    try:
        surgery = date.fromisoformat(surgery_date) if surgery_date else date.today()
    except ValueError:
        raise BadParameter(f"{surgery_date!r} is not a date; use YYYY-MM-DD", param_hint="--surgery-date") from None
    quiet = _quiet_hours(quiet_hours)
    pathway = library.pathways[pathway_id]
    messages = library.content[language]
    base = {**content_check.SAMPLE, **pathway.settings}
    shown = {k: base[k] for k in ("first_name", "clinic_name", "clinic_phone")} | pathway.settings

    echo = click.echo
    echo(f"# {pathway.title}: preview ({language})")
    echo("")
    echo(f"Pathway `{pathway.id}` ({pathway.file}), language `{language}`, surgery on {surgery:%a %Y-%m-%d} "
         f"(day 0), time zone {zone}, quiet hours {quiet[0]:%H:%M}-{quiet[1]:%H:%M}.")
    echo("")
    echo("Sample values: " + ", ".join(f"{k}={v}" for k, v in shown.items()) + ".")
    echo("Segments are counted for these values; `postop content check --report` counts the worst case.")
    if problems:
        echo("")
        echo(f"**Warning: {len(problems)} problem(s) in schedules/content; run `postop content check`.**")
    if pathway.startup:
        echo("")
        echo("## Start-up and core teaching (every enrollment, whatever the day)")
        echo("")
        su = pathway.startup
        echo(f"The first {su.first} texts go on enrollment, {su.first_gap_minutes} minutes apart (never in quiet "
             "hours). The others are the core teaching, in priority order: each one the patient would have had "
             "before enrolling, and each core step still to come, waits in one queue and goes in the room the "
             f"day's check-ins leave (at most {su.per_day} texts a day), taking the place of the day's reminders; "
             f"extra texts from {su.morning:%H:%M}, {su.gap_minutes} minutes apart. Every text missed before "
             f"enrollment is out within {su.max_days} days of the start (checked for every enrollment day). "
             "Reminders (not core): " + ", ".join(sorted(su.reminders)) + ".")
        echo("")
        for entry in pathway.startup.texts:
            message = messages.get(entry.message)
            text = content_check.fill(message.text, base) if message else f"(missing: no {entry.message!r})"
            notes = [f"`{entry.message}`", _segments_label(segments(text)), "GSM-7" if is_gsm7(text) else "UCS-2"]
            notes += [f"only when {entry.when}"] if entry.when else []
            notes += [f"core step {entry.covers}"] if entry.covers else []
            notes += [f"not owed if missed by an enrollment after day {entry.until_day}"] \
                if entry.until_day is not None else []
            echo("- " + ", ".join(notes))
            echo(f"  > {text}")
    total_texts = total_segments = 0
    per_week: Counter = Counter()
    heading = None
    for day in range(pathway.first_day, pathway.last_day + 1):
        steps = pathway.steps_on(day, content_rules.all_on(pathway))
        if not steps:
            continue
        pathway_week = (day - 1) // 7 + 1 if day > 0 else 0  # week 1 = days 1-7
        if day > pathway.length_days:
            pathway_week = -1  # an optional follow-up after the pathway
        if pathway_week != heading:
            heading = pathway_week
            first = max(pathway_week * 7 - 6, 0)
            echo("")
            echo(f"## Week {pathway_week} (days {first}-{min(first + 6, pathway.length_days)})" if day > 0
                 and pathway_week > 0 else "## Before surgery (only for patients enrolled before their surgery date)"
                 if day <= 0 else "## Month 6 (only when the pathway's month6_checkin setting is on)")
        day_date = surgery + timedelta(days=day)
        echo("")
        echo(f"### Day {day}: {day_date:%a %Y-%m-%d} ({len(steps)} text{'s' if len(steps) != 1 else ''})")
        echo("")
        for step in steps:
            local = utc_to_local(send_time(step, surgery, day, zone, quiet), zone)
            message = messages.get(step.message)
            values = base | day_values(day)
            text = content_check.fill(message.text, values) if message else (
                f"(missing: no {step.message!r} in {language})")
            count = segments(text)
            total_texts += 1
            total_segments += count
            per_week[pathway_week] += 1
            moved = "" if local.date() == day_date else f" (moved to {local:%a %Y-%m-%d})"
            notes = [f"`{step.message}`", _segments_label(count), "GSM-7" if is_gsm7(text) else "UCS-2"]
            if step.expects:
                notes.append(f"expects {step.expects}")
            if step.when:
                notes.append(f"only when {step.when}")
            echo(f"- **{local:%H:%M %Z}**{moved} {step.id}: " + ", ".join(notes))
            echo(f"  > {text}")
    echo("")
    echo("## Totals")
    echo("")
    echo(f"{total_texts} texts, {total_segments} segments (all optional steps on). Texts per week: "
         + ", ".join(f"week {w}: {n}" for w, n in sorted(per_week.items())) + ".")
