"""`postop content check` and `postop schedule preview` through the real command group."""
from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from click.testing import CliRunner

from bot import pathways
from bot.cli import main

EN = "content/en/lumbar-fusion.yaml"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def day_block(output: str, day: int) -> str:
    """The lines of one day in a preview."""
    match = re.search(rf"^### Day {day}: .*?(?=^### |^## |\Z)", output, re.M | re.S)
    assert match, f"day {day} not in preview"
    return match.group(0)


def test_check_passes_on_shipped_content():
    result = run("content", "check")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: no problems")
    # Spanish: 3 segments, 4 for the safety texts (content_check.SAFETY_KEYS: the red-flag check-in's
    # seven numbered items, the replies carrying the whole 911 rule).
    assert "en (max 3 segments)" in result.output and "es (max 4 segments)" in result.output


def test_check_report_lists_every_message_with_segments(library):
    result = run("content", "check", "--report")
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header.split() == ["key", "lang", "chars", "segments", "encoding", "grade"]
    listed = {tuple(r.split()[:2]) for r in rows if re.match(r"^\w+\s+(en|es)\s+\d+\s+\d+\s+(GSM-7|UCS-2)", r)}
    assert listed == {(key, lang) for lang, msgs in library.content.items() for key in msgs}
    welcome = next(r for r in rows if r.startswith("welcome ") and " en " in r)
    assert welcome.split()[4] == "GSM-7" and 0 < float(welcome.split()[5]) <= 8


def test_check_fails_on_a_broken_copy_with_file_key_reason(project, edit_yaml):
    edit_yaml(project / EN, lambda d: d["welcome"].update(text="Hi {first_name} \u2013 welcome {nickname}."))
    edit_yaml(project / "content/es/lumbar-fusion.yaml", lambda d: d.pop("goodbye"))
    result = run("content", "check", "--root", str(project))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{EN}: welcome: not GSM-7: '\u2013' (U+2013)" in lines
    assert f"{EN}: welcome: unknown placeholder {{nickname}}" in lines
    assert "schedules/lumbar-fusion.yaml: goodbye: message 'goodbye' missing in es" in lines
    assert "content/es: goodbye: translation missing" in lines
    assert re.search(r"^\d+ problem\(s\)", lines[-1])


def test_check_rejects_bad_quiet_hours():
    result = CliRunner().invoke(main, ["content", "check", "--quiet-hours", "late"])
    assert result.exit_code == 1 and "--quiet-hours" in result.output


@pytest.mark.parametrize("language", ["en", "es"])
def test_preview_prints_days_times_texts_and_segments(language, library):
    result = run("schedule", "preview", "--pathway", "lumbar-fusion", "--language", language,
                 "--surgery-date", "2026-12-01", "--timezone", "America/New_York")
    assert result.exit_code == 0, result.output
    out = result.output
    day1 = day_block(out, 1)
    assert "Wed 2026-12-02" in day1 and "(3 texts)" in day1
    assert "**09:00 EST** opioid-safety" in day1 and "**12:00 EST** redflags-daily" in day1
    assert "**17:00 EST** bowel-care" in day1 and "expects redflag_list" in day1
    assert "**18:00 EST** pain-daily" in day_block(out, 3) and "expects pain_score" in day_block(out, 3)
    welcome = library.content[language]["welcome"].text
    rendered = welcome.format(first_name="Ana", clinic_name="Alder Valley Spine Center")
    start = out.split("## Start-up")[1].split("## Before surgery")[0]
    assert f"  > {rendered}" in start
    assert re.search(r"`welcome`, \d segments?, (GSM-7|UCS-2)", start)
    assert "only when brace" in day_block(out, 23) and "### Day -7:" in out
    assert "### Day 84:" in out and "### Day 15:" in out
    assert "## Totals" in out


def test_preview_times_stay_local_across_the_dst_change():
    # Surgery Sunday 2026-10-25; clocks go back on Sunday 2026-11-01 (day 7) in New York.
    outputs = {}
    for language in ("en", "es"):
        result = run("schedule", "preview", "--pathway", "lumbar-fusion", "--language", language,
                     "--surgery-date", "2026-10-25", "--timezone", "America/New_York")
        assert result.exit_code == 0, result.output
        outputs[language] = result.output
        assert "**09:00 EDT** nicotine" in day_block(result.output, 6)  # Sat 2026-10-31
        day7 = day_block(result.output, 7)
        assert "Sun 2026-11-01" in day7 and "**09:00 EST** driving" in day7
        assert "**09:00 EST** wound-visit" in day_block(result.output, 8)
        assert "**18:00 EST** pain-daily" in day7
    # Same schedule, different words.
    times = {lang: re.findall(r"^- \*\*(\d\d:\d\d \w+)\*\* ([\w-]+)", out, re.M) for lang, out in outputs.items()}
    assert times["en"] == times["es"] and len(times["en"]) > 90


def test_preview_send_times_match_the_planner():
    from bot.planner import send_time

    step = next(s for s in pathways.load()[0].pathways["lumbar-fusion"].steps if s.id == "pain-daily")
    quiet = (datetime.strptime("21:00", "%H:%M").time(), datetime.strptime("08:00", "%H:%M").time())
    before = send_time(step, date(2026, 10, 25), 6, "America/New_York", quiet)
    after = send_time(step, date(2026, 10, 25), 7, "America/New_York", quiet)
    assert (before.hour, after.hour) == (22, 23)  # 18:00 EDT = 22:00 UTC; 18:00 EST = 23:00 UTC


def test_preview_defaults_to_today_and_new_york():
    result = run("schedule", "preview", "--pathway", "lumbar-fusion")
    assert result.exit_code == 0, result.output
    assert f"surgery on {date.today():%a %Y-%m-%d}" in result.output
    assert "time zone America/New_York" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--pathway", "hip-replacement"], "unknown pathway 'hip-replacement'"),
    (["--pathway", "lumbar-fusion", "--language", "fr"], "unknown language 'fr'"),
    (["--pathway", "lumbar-fusion", "--timezone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
    (["--pathway", "lumbar-fusion", "--surgery-date", "2026-02-30"], "'2026-02-30' is not a date"),
    (["--pathway", "lumbar-fusion", "--surgery-date", "12/01/2026"], "is not a date; use YYYY-MM-DD"),
])
def test_preview_bad_parameters_exit_1_with_a_clear_error(args, message):
    result = CliRunner().invoke(main, ["schedule", "preview", *args])
    assert result.exit_code == 1
    assert "Error: Invalid value for" in result.output and message in result.output


@pytest.mark.parametrize("language", ["en", "es"])
def test_docs_preview_is_up_to_date(language):
    """docs/content-preview-<lang>.md is what clinicians sign off: regenerate it after any change with
    `python -m bot schedule preview --pathway lumbar-fusion --language <lang> --surgery-date 2026-12-01
    --timezone America/New_York > docs/content-preview-<lang>.md`."""
    doc = pathways.ROOT / "docs" / f"content-preview-{language}.md"
    result = run("schedule", "preview", "--pathway", "lumbar-fusion", "--language", language,
                 "--surgery-date", "2026-12-01", "--timezone", "America/New_York")
    assert doc.read_text(encoding="utf-8") == result.output
