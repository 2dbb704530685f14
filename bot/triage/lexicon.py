"""Load and precompile the per-language lexicon files (YAML) once per process.

The YAML is the clinician-editable part; this module only turns it into regexes and lookup sets.
See docs/triage.md for the file layout.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.yamlio import SafeLoader

from .catalogue import catalogue, flag_rank
from .normalize import fold_phrase
from .patterns import MatchIndex, PhraseSet, compile_patterns, gap_regex, literal_words
from .result import TIER_RANK, TIERS
from .schema import check_files
from .spelling import SpellCorrector

LEXICON_DIR = Path(__file__).parent / "lexicon"
LANGUAGES: tuple[str, ...] = ("en", "es")


@dataclass(frozen=True)
class RuleGroup:
    """All patterns of one flag at one tier, compiled into a single alternation."""
    flag: str
    tier: str
    phrases: PhraseSet


@dataclass
class Lexicon:
    lang: str
    groups: list[RuleGroup]
    cues: dict[str, PhraseSet | None]
    words: dict[str, frozenset[str]]          # single-word lists (stopwords, units, anchors...)
    number_words: dict[str, float]
    flag_options: dict[str, dict[str, Any]]
    corrector: SpellCorrector
    settings: dict[str, Any] = field(default_factory=dict)
    weekdays: dict[str, int] = field(default_factory=dict)   # "monday" -> 0 ... "sunday" -> 6
    number_words_spoken: dict[str, float] = field(default_factory=dict)   # dictation: "ate" -> 8
    # One index over every rule group (ids 0..len(groups)-1) and every cue list (cue_ids).
    index: MatchIndex = field(init=False)
    cue_ids: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        names = list(self.cues)
        self.cue_ids = {name: len(self.groups) + i for i, name in enumerate(names)}
        self.index = MatchIndex([g.phrases for g in self.groups] + [self.cues[n] for n in names])


class _WordLoader(SafeLoader):
    """SafeLoader that keeps yes/no/on/off as words: lexicons are full of "no" and "si"."""


_WordLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in SafeLoader.yaml_implicit_resolvers.items()
}


def _load_yaml(name: str) -> dict[str, Any]:
    with open(LEXICON_DIR / name, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_WordLoader) or {}  # noqa: S506 - a SafeLoader subclass


def load_files() -> dict[str, dict[str, Any]]:
    """Every rule file as parsed YAML, by file name, checked against the catalogue's schema
    (a misspelt tier or an unknown flag stops here with the file and the key)."""
    files = {"rules.yaml": _load_yaml("rules.yaml")}
    for lang in LANGUAGES:
        data = _load_yaml(f"{lang}.yaml")
        generated = _load_yaml(f"generated/common_words-{lang}.yaml")
        data["common_words"] = list(data.get("common_words") or []) + list(generated.get("common_words") or [])
        files[f"{lang}.yaml"] = data
    check_files(files, catalogue())
    return files


@cache
def _files() -> dict[str, dict[str, Any]]:
    return load_files()


@cache
def settings() -> dict[str, Any]:
    """Language-independent thresholds and combination rules (rules.yaml)."""
    data = dict(_files()["rules.yaml"])
    data["flag_rank"] = flag_rank()
    return data


_CONCEPT_REF = re.compile(r"@([a-z_]+)")
EITHER_ORDER = "<...>"


def expand_pattern(pattern: str, concepts: dict[str, list[str]]) -> list[str]:
    """`@name` -> the concept's alternatives `(a|b|c)`; `A <...> B` -> "A ... B" and "B ... A"
    (the two term sets near each other, in either order, within one clause)."""
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in concepts:
            raise ValueError(f"unknown concept @{name} in {pattern!r}")
        return "(" + " | ".join(str(c) for c in concepts[name]) + ")"
    text = _CONCEPT_REF.sub(sub, pattern)
    if EITHER_ORDER not in text:
        return [text]
    left, _, right = text.partition(EITHER_ORDER)
    if EITHER_ORDER in right:
        raise ValueError(f"only one {EITHER_ORDER} per pattern: {pattern!r}")
    left, right = left.strip(), right.strip()
    return [f"{left} ... {right}", f"{right} ... {left}"]


def _folded_set(items: list[str] | None) -> frozenset[str]:
    return frozenset(fold_phrase(str(i)) for i in items or [])


@cache
def load(lang: str) -> Lexicon:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
    data = _files()[f"{lang}.yaml"]
    rules = settings()
    cue_data: dict[str, list[str]] = data.get("cues", {})
    single = {k: _folded_set(v) for k, v in cue_data.items()}
    # Gaps in patterns may not jump over a negation or a "but": "calf has no pain" is no symptom.
    # Multi-word negations block too ("el pecho nada de dolor").
    negations = set(single.get("negation_before", ()))
    blockers = negations | single.get("terminators", frozenset())
    gap = gap_regex(b for b in blockers if b.replace(" ", "").isalpha())   # plain phrases only
    # `....`: later in the same reply, across sentences and "also"/"but", never across a negation
    long_gap = gap_regex((b for b in negations if b.replace(" ", "").isalpha()), 30, across_sentences=True)

    concepts: dict[str, list[str]] = data.get("concepts") or {}
    vocab: set[str] = set()
    groups: list[RuleGroup] = []
    flag_options: dict[str, dict[str, Any]] = {}
    for flag, spec in data["flags"].items():
        if flag not in rules["flag_rank"]:
            raise ValueError(f"{lang}.yaml: unknown flag {flag!r}")
        for key, value in spec.items():
            if key not in TIERS:
                flag_options[flag] = {**flag_options.get(flag, {}), key: value}
                continue
            pats = [x for p in value for x in expand_pattern(str(p), concepts)]
            for p in pats:
                vocab |= literal_words(p)
            regex = compile_patterns(pats, gap, long_gap)
            if regex is not None:
                groups.append(RuleGroup(flag, key, regex))
    # Highest tier first so subsumption ("numb between my legs" beats "numb") sees big hits first.
    groups.sort(key=lambda g: -TIER_RANK[g.tier])

    cues = {name: compile_patterns(items, gap_regex(())) for name, items in cue_data.items()}
    numbers: dict[str, Any] = data.get("numbers", {})
    words = {k: _folded_set(v) for k, v in numbers.items() if isinstance(v, list)}
    words.update(single)
    words["stopwords"] = _folded_set(data.get("stopwords"))
    words["common_words"] = _folded_set(data.get("common_words"))
    number_words = {fold_phrase(k): float(v) for k, v in numbers.get("words", {}).items()}

    for items in cue_data.values():
        for item in items:
            vocab |= literal_words(str(item))
    preferred = set(vocab)   # words of the patterns and cues: these win ties in spelling
    for items in [v for v in numbers.values() if isinstance(v, list)]:
        for item in items:
            vocab |= literal_words(str(item))
    vocab |= set(number_words) | set(words["stopwords"])
    vocab |= _folded_set(data.get("common_words"))
    aliases = {fold_phrase(k): fold_phrase(str(v)) for k, v in (data.get("aliases") or {}).items()}
    corrector = SpellCorrector(vocab, aliases, preferred)
    weekdays = {fold_phrase(d): i for i, d in enumerate(numbers.get("weekdays", []))}
    spoken = {fold_phrase(k): float(v) for k, v in numbers.get("spoken_words", {}).items()}
    return Lexicon(lang, groups, cues, words, number_words, flag_options, corrector, rules, weekdays, spoken)
