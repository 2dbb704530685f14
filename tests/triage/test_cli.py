"""`postop triage` through the real command group (bot.cli.main)."""
import json

from click.testing import CliRunner

from bot.cli import main


def run(args: list[str], stdin: str | None = None):
    return CliRunner().invoke(main, ["triage", *args], input=stdin)


def test_single_text() -> None:
    res = run(["temp is 101.8 tonight"])
    assert res.exit_code == 0
    assert json.loads(res.output) == {"tier": "urgent", "flags": ["fever"],
                                      "evidence": ["fever: 'temp is 101.8'"]}


def test_options() -> None:
    assert json.loads(run(["--context", "pain_score", "9"]).output)["tier"] == "urgent"
    assert json.loads(run(["--lang", "es", "me falta el aire"]).output)["tier"] == "emergency"


def test_json_lines_in_order() -> None:
    lines = [{"text": "no fever"}, {"text": "6", "context": "pain_score"},
             {"text": "no puedo orinar", "lang": "es"}, {"text": "I can't stop shaking"}]
    res = run([], "\n".join(json.dumps(x) for x in lines) + "\n")
    assert res.exit_code == 0
    out = [json.loads(x) for x in res.output.splitlines()]
    assert [o["tier"] for o in out] == ["none", "routine", "emergency", "urgent"]
    assert all(set(o) == {"tier", "flags", "evidence"} for o in out)


def test_bad_line_reports_line_number_and_keeps_other_results() -> None:
    stdin = '{"text": "chest pain"}\n{not json\n\n{"text": "thanks"}\n{"text": 5}\n'
    res = CliRunner().invoke(main, ["triage"], input=stdin)
    assert res.exit_code == 1
    stdout = [json.loads(x) for x in res.stdout.splitlines()]
    assert stdout[0]["tier"] == "emergency"
    assert stdout[1] == {"error": stdout[1]["error"], "line": 2}
    assert stdout[2]["tier"] == "none"
    assert stdout[3]["line"] == 5
    assert "line 2" in res.stderr and "invalid JSON" in res.stderr
    assert "line 5" in res.stderr


def test_bad_lang_value() -> None:
    res = run([], '{"text": "hola", "lang": "fr"}\n')
    assert res.exit_code == 1
    assert "lang" in res.stderr
