"""The schema of the rule files (rules.yaml, en.yaml, es.yaml) against the catalogue.

A misspelt key silently switching a rule off is the failure this prevents: every key is known, every
flag is in the catalogue and has rules in every language, every rule sits under a tier its catalogue
entry allows, and no pattern is empty. The first problem stops the load with the file, the key and
the reason (CatalogueError), so `postop triage` and the service refuse to start on it.
"""
from __future__ import annotations

from typing import Any

from .catalogue import CatalogueError, FlagEntry
from .result import TIERS

RULES_KEYS = {"temperature", "pain_score", "day_upgrades", "combinations", "other_experiencer_flags",
              "context_free_flags", "never_swallowed", "windows", "modifiers", "past_events"}
WINDOWS = {"negation_before", "negation_after", "improvement_after", "hypothetical_before", "next_clause",
           "family_before", "not_new_after"}
MODIFIERS = {"negation", "hypothetical", "idiom", "not_new", "concern", "other_experiencer", "told_apart",
             "improvement", "read_back"}
LEXICON_KEYS = {"language", "stopwords", "aliases", "cues", "numbers", "common_words", "concepts", "flags"}
CUES = {"negation_before", "negation_after", "negation_next", "pseudo_negation", "improvement_next", "improvement",
        "hypothetical", "concern", "terminators", "soft_terminators", "clause_breaks", "question_markers",
        "family_other", "family_young", "not_patient", "normal_finding", "idioms", "self_well", "family_parent",
        "first_person", "third_person", "reporting", "caregiver", "not_new", "not_new_breakers", "read_back",
        "read_back_action"}
NUMBERS = {"words", "one_words", "spoken_words", "pain_words", "score_lead", "range_words", "from_words",
           "time_lead", "score_context", "filler", "out_of", "temperature_words", "fahrenheit", "celsius",
           "degrees", "not_temperature_units", "not_pain_units", "current", "historical", "day_words",
           "week_words", "weekdays", "surgery_words"}
FLAG_OPTIONS = {"context": {"pain_score", "yes_no", "red_flag_screen"}}


def _fail(where: str, key: str, reason: str) -> None:
    raise CatalogueError(f"{where}: {key}: {reason}")


def _known(where: str, prefix: str, data: Any, allowed: set[str]) -> None:
    if not isinstance(data, dict):
        _fail(where, prefix, "expected a mapping")
    for key in data:
        if key not in allowed:
            _fail(where, f"{prefix}.{key}" if prefix else str(key), f"unknown key (expected one of {sorted(allowed)})")


def _flag(where: str, key: str, flag: Any, entries: dict[str, FlagEntry]) -> None:
    if flag not in entries:
        _fail(where, key, f"unknown flag {flag!r} (not in catalogue.yaml)")


def _tier(where: str, key: str, tier: Any) -> None:
    if tier not in TIERS:
        _fail(where, key, f"unknown tier {tier!r} (expected one of {list(TIERS)})")


def check_rules(data: dict[str, Any], entries: dict[str, FlagEntry], where: str = "rules.yaml") -> None:
    _known(where, "", data, RULES_KEYS)
    _known(where, "windows", data.get("windows"), WINDOWS)
    missing = WINDOWS - set(data["windows"])
    if missing:
        _fail(where, "windows", f"missing {sorted(missing)}")
    _known(where, "modifiers", data.get("modifiers"), MODIFIERS)
    for name, tiers in data["modifiers"].items():
        for tier in tiers:
            _tier(where, f"modifiers.{name}", tier)
    _flag(where, "temperature.flag", data["temperature"]["flag"], entries)
    _tier(where, "temperature.tier", data["temperature"]["tier"])
    for i, band in enumerate(data["pain_score"]["bands"]):
        if band.get("flag") is not None:
            _flag(where, f"pain_score.bands[{i}].flag", band["flag"], entries)
        _tier(where, f"pain_score.bands[{i}].tier", band["tier"])
    for flag, up in data.get("day_upgrades", {}).items():
        _flag(where, f"day_upgrades.{flag}", flag, entries)
        _tier(where, f"day_upgrades.{flag}.tier", up["tier"])
    for i, combo in enumerate(data.get("combinations", [])):
        _known(where, f"combinations[{i}]", combo, {"flags", "tier", "at_least", "words"})
        if "at_least" in combo:
            _tier(where, f"combinations[{i}].at_least", combo["at_least"])
        for flag in combo["flags"]:
            _flag(where, f"combinations[{i}].flags", flag, entries)
        _tier(where, f"combinations[{i}].tier", combo["tier"])
    for key in ("other_experiencer_flags", "context_free_flags", "never_swallowed", "past_events"):
        for flag in data.get(key, []):
            _flag(where, key, flag, entries)


def check_lexicon(data: dict[str, Any], entries: dict[str, FlagEntry], where: str) -> None:
    _known(where, "", data, LEXICON_KEYS)
    _known(where, "cues", data.get("cues"), CUES)
    _known(where, "numbers", data.get("numbers"), NUMBERS)
    for name, items in (data.get("cues") or {}).items():
        if not items or any(not str(i).strip() for i in items):
            _fail(where, f"cues.{name}", "empty list or empty entry")
    for flag, spec in (data.get("flags") or {}).items():
        _flag(where, f"flags.{flag}", flag, entries)
        if not isinstance(spec, dict):
            _fail(where, f"flags.{flag}", "expected tiers with their patterns")
        allowed = entries[flag].tiers
        for key, value in spec.items():
            if key in FLAG_OPTIONS:
                if value not in FLAG_OPTIONS[key]:
                    _fail(where, f"flags.{flag}.{key}", f"unknown value {value!r} (expected one of "
                                                         f"{sorted(FLAG_OPTIONS[key])})")
                continue
            if key not in TIERS:
                _fail(where, f"flags.{flag}.{key}", f"unknown key (expected a tier {list(TIERS)} or an option "
                                                     f"{sorted(FLAG_OPTIONS)})")
            if key not in allowed:
                _fail(where, f"flags.{flag}.{key}", f"tier not allowed for this flag by catalogue.yaml "
                                                     f"(tier {entries[flag].tier}, also {list(entries[flag].also)})")
            if not value or any(not str(p).strip() for p in value):
                _fail(where, f"flags.{flag}.{key}", "empty pattern list or empty pattern")


def check_files(files: dict[str, dict[str, Any]], entries: dict[str, FlagEntry]) -> None:
    """All rule files at once; also: every catalogue flag has rules in every language."""
    check_rules(files["rules.yaml"], entries)
    for name, data in files.items():
        if name == "rules.yaml":
            continue
        check_lexicon(data, entries, name)
        missing = [flag for flag in entries if flag not in (data.get("flags") or {})]
        if missing:
            _fail(name, "flags", f"no rules for catalogue flag(s) {missing}")
