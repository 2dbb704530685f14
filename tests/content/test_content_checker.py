"""bot.content_check finds each kind of problem, with the file, the key and a reason."""
from __future__ import annotations

from bot import content_check
from bot.sms import segments

EN = "content/en/lumbar-fusion.yaml"
ES = "content/es/lumbar-fusion.yaml"
SCHEDULE = "schedules/lumbar-fusion.yaml"


def _set_text(data: dict, key: str, text: str) -> None:
    data[key]["text"] = text


def test_copy_of_shipped_content_is_clean(project):
    result = content_check.check(project)
    assert result.problems == []
    problems, report = result  # unpacks as (problems, per-message report)
    assert problems == [] and len(report) == len(result.report)


def test_non_gsm_english_names_the_characters(project, edit_yaml):
    edit_yaml(project / EN, lambda d: _set_text(d, "welcome", "Hi {first_name}, it\u2019s day one \u2014 walk a bit."))
    problems = content_check.check(project).problems
    assert (EN, "welcome", "not GSM-7: '\u2014' (U+2014) '\u2019' (U+2019)") in problems


def test_non_breaking_space_in_system_text(project, edit_yaml):
    edit_yaml(project / "content/en/system.yaml", lambda d: d.update(ack_answer="Thank\u00a0you, {first_name}."))
    problems = content_check.check(project).problems
    assert ("content/en/system.yaml", "ack_answer", "not GSM-7: '\\xa0' (U+00A0)") in problems


def test_too_many_segments_counted_after_placeholders(project, edit_yaml):
    # 2 segments (at most 306 characters) with a 3-letter name, 3 with a 12-letter name.
    text = "{first_name}, " + "walk a little more each day. " * 10 + "Well done."
    assert len(text.format(first_name="Ana")) <= 306 < len(text.format(first_name="Christabella"))
    edit_yaml(project / EN, lambda d: _set_text(d, "welcome", text))
    problems = [p for p in content_check.check(project).problems if p[1] == "welcome"]
    assert len(problems) == 1
    assert problems[0][0] == EN and "3 segments after filling placeholders" in problems[0][2]
    assert "at most 2 allowed" in problems[0][2]


def test_spanish_counts_an_accented_name(project, edit_yaml):
    # GSM-7 as written (2 segments), but a name like "María Ángela" makes it UCS-2: 4 segments.
    text = "Hola, {first_name}. " + "Camine un poco cada dia. " * 8
    assert segments(text.format(first_name="Christabella")) == 2
    edit_yaml(project / ES, lambda d: _set_text(d, "welcome", text))
    problems = [p for p in content_check.check(project).problems if p[1] == "welcome"]
    assert problems and problems[0][0] == ES and "at most 3 allowed" in problems[0][2]


def test_missing_source_on_english_pathway_message(project, edit_yaml):
    edit_yaml(project / EN, lambda d: d["log_roll"].pop("source"))
    assert (EN, "log_roll", "English pathway message has no source") in content_check.check(project).problems


def test_more_than_three_texts_only_with_brace_on(project, edit_yaml):
    def add_step(data):
        data["steps"].append({"id": "extra-brace", "days": 3, "at": "15:00", "message": "brace_keep",
                              "when": "brace", "source": "test"})

    edit_yaml(project / SCHEDULE, add_step)
    problems = content_check.check(project).problems
    day3 = [p for p in problems if p[1] == "day 3"]
    assert len(day3) == 1
    file, _, reason = day3[0]
    assert file == SCHEDULE
    assert reason.startswith("4 texts (") and "extra-brace" in reason and "[brace=True]" in reason


def test_step_inside_quiet_hours(project, edit_yaml):
    edit_yaml(project / SCHEDULE,
              lambda d: next(s for s in d["steps"] if s["id"] == "redflags-daily").update(at="21:30"))
    problems = content_check.check(project).problems
    assert (SCHEDULE, "redflags-daily", "time 21:30 is inside quiet hours 21:00-08:00") in problems


def test_loader_problems_are_included(project, edit_yaml):
    edit_yaml(project / ES, lambda d: d.pop("log_roll"))
    edit_yaml(project / EN, lambda d: _set_text(d, "no_blt", "Lift less than {lift_limit} lb."))
    problems = content_check.check(project).problems
    assert (SCHEDULE, "log-roll", "message 'log_roll' missing in es") in problems
    assert ("content/es", "log_roll", "translation missing") in problems
    assert (EN, "no_blt", "unknown placeholder {lift_limit}") in problems


def test_hard_english_is_a_warning_and_a_high_average_fails(project, edit_yaml):
    hard = ("Postoperative rehabilitation necessitates progressive mobilisation, circumspect "
            "avoidance of lumbar flexion, and meticulous incisional surveillance.")

    edit_yaml(project / EN, lambda d: _set_text(d, "welcome", hard))
    result = content_check.check(project)
    assert any(w[:2] == (EN, "welcome") and "reading grade" in w[2] for w in result.warnings)
    assert not any(p[1] == "welcome" for p in result.problems)

    def all_hard(data):
        for entry in data.values():
            entry["text"] = hard

    edit_yaml(project / EN, all_hard)
    result = content_check.check(project)
    assert any(p[:2] == ("content/en", "-") and "average reading grade" in p[2] for p in result.problems)


def test_worst_case_setting_values():
    assert content_check.worst_case_setting(10) == "999"
    assert content_check.worst_case_setting(3) == "99"
    assert len(content_check.worst_case_setting("Dr. Rivera")) == 30
    assert content_check.fill("{first_name} {unknown}", {"first_name": "Ana"}) == "Ana {unknown}"
