"""The red-flag catalogue and the schema of the rule files (docs/triage.md, "Adding a red flag")."""
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.triage import catalogue as catalogue_module
from bot.triage import lexicon
from bot.triage.catalogue import catalogue, reply_for
from bot.triage.cli import triage_command

HERE = Path(__file__).parent


def test_every_catalogue_flag_has_english_and_spanish_rules() -> None:
    files = lexicon.load_files()
    for flag in catalogue():
        assert files["en.yaml"]["flags"].get(flag), flag
        assert files["es.yaml"]["flags"].get(flag), flag


def test_every_catalogue_flag_has_a_labelled_reply_in_each_language() -> None:
    seen: dict[str, set[str]] = {flag: set() for flag in catalogue()}
    for path in HERE.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                for flag in row["flags"]:
                    seen[flag].add(row["lang"])
    assert {flag: langs for flag, langs in seen.items() if langs != {"en", "es"}} == {}


def test_reply_kind_comes_from_the_catalogue() -> None:
    assert reply_for(["self_harm"], "emergency") == "call_988"
    assert reply_for(["chest_or_breathing"], "emergency") == "call_911"
    assert reply_for(["fall"], "emergency") == "call_911"   # a flag above its own tier takes the tier's default
    assert reply_for(["radicular"], "urgent") == "call_today"
    assert reply_for(["question"], "routine") == "next_business_day"


@pytest.fixture
def broken_lexicon(tmp_path, monkeypatch):
    """A copy of the rule files the test may break; the caches are rebuilt from it and restored after."""
    copy = tmp_path / "lexicon"
    shutil.copytree(lexicon.LEXICON_DIR, copy)
    monkeypatch.setattr(lexicon, "LEXICON_DIR", copy)
    monkeypatch.setattr(catalogue_module, "CATALOGUE_FILE", copy / "catalogue.yaml")

    def clear() -> None:
        for cached in (lexicon._files, lexicon.settings, lexicon.load, catalogue_module._load):
            cached.cache_clear()
    clear()
    yield copy
    monkeypatch.undo()
    clear()


def _break(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_misspelt_tier_stops_postop_triage_naming_file_and_key(broken_lexicon) -> None:
    _break(broken_lexicon / "en.yaml", "  fever:\n    urgent:", "  fever:\n    urgnet:")
    result = CliRunner().invoke(triage_command, ["x"])
    assert result.exit_code != 0
    assert "en.yaml" in result.output and "flags.fever.urgnet" in result.output


def test_an_unknown_flag_stops_postop_triage(broken_lexicon) -> None:
    _break(broken_lexicon / "es.yaml", "  fever:\n", "  fiebre_alta:\n")
    result = CliRunner().invoke(triage_command, ["x"])
    assert result.exit_code != 0
    assert "es.yaml" in result.output and "fiebre_alta" in result.output


def test_a_rule_under_a_tier_the_catalogue_does_not_allow_is_refused(broken_lexicon) -> None:
    _break(broken_lexicon / "en.yaml", "  dvt:\n    urgent:", "  dvt:\n    routine:")
    result = CliRunner().invoke(triage_command, ["x"])
    assert result.exit_code != 0 and "flags.dvt.routine" in result.output


def test_an_empty_pattern_and_an_unknown_rules_key_are_refused(broken_lexicon) -> None:
    _break(broken_lexicon / "rules.yaml", "windows:", "windowz:")
    result = CliRunner().invoke(triage_command, ["x"])
    assert result.exit_code != 0 and "rules.yaml" in result.output and "windowz" in result.output


def test_the_service_refuses_to_start_on_broken_rules(broken_lexicon, config) -> None:
    from bot.app import create_app
    _break(broken_lexicon / "catalogue.yaml", "  fever:\n    tier: urgent", "  fever:\n    tier: urgnet")
    with pytest.raises(catalogue_module.CatalogueError, match="fever"):
        create_app(config)
