"""The red-flag catalogue (lexicon/catalogue.yaml): every flag, its tier, its reply, its source.

The conversation uses it to decide what a patient is told for a flag (`reply_for`) and which tier a
numbered check-in item routes to; the triage engine takes its flag order from it. It is read once
per process and checked against the rule files by `schema.check_all`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.yamlio import safe_load

from .result import TIER_RANK, TIERS, Tier

CATALOGUE_FILE = Path(__file__).parent / "lexicon" / "catalogue.yaml"
REPLIES: tuple[str, ...] = ("call_911", "call_988", "call_today", "next_business_day")


@dataclass(frozen=True)
class FlagEntry:
    name: str
    tier: str                 # the tier a plain report of this flag gets
    reply: str                # what the patient is told at that tier (one of REPLIES)
    meaning: str
    source: str
    also: tuple[str, ...] = ()   # other tiers some of its rules may use

    @property
    def tiers(self) -> tuple[str, ...]:
        return (self.tier, *self.also)


class CatalogueError(ValueError):
    """A rule file breaks the catalogue's schema; the message names the file and the key."""


def _entry(name: str, spec: Any, where: str) -> FlagEntry:
    if not isinstance(spec, dict):
        raise CatalogueError(f"{where}: flags.{name}: expected a mapping")
    allowed = {"tier", "also", "reply", "meaning", "source"}
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise CatalogueError(f"{where}: flags.{name}: unknown key {unknown[0]!r} (expected one of {sorted(allowed)})")
    for key in ("tier", "reply", "meaning", "source"):
        if not str(spec.get(key) or "").strip():
            raise CatalogueError(f"{where}: flags.{name}.{key}: missing or empty")
    also = tuple(spec.get("also") or ())
    for tier in (spec["tier"], *also):
        if tier not in TIERS:
            raise CatalogueError(f"{where}: flags.{name}: unknown tier {tier!r} (expected one of {list(TIERS)})")
    if spec["reply"] not in REPLIES:
        raise CatalogueError(f"{where}: flags.{name}.reply: unknown reply {spec['reply']!r}"
                             f" (expected one of {list(REPLIES)})")
    return FlagEntry(name, spec["tier"], spec["reply"], str(spec["meaning"]), str(spec["source"]), also)


def parse(data: Any, where: str = "catalogue.yaml") -> dict[str, FlagEntry]:
    if not isinstance(data, dict) or set(data) != {"flags", "replies"}:
        raise CatalogueError(f"{where}: expected exactly the keys 'flags' and 'replies'")
    replies = data["replies"]
    for tier, reply in replies.items():
        if tier not in TIERS or reply not in REPLIES:
            raise CatalogueError(f"{where}: replies.{tier}: unknown tier or reply {reply!r}")
    return {name: _entry(name, spec, where) for name, spec in data["flags"].items()}


@cache
def _load() -> tuple[dict[str, FlagEntry], dict[str, str]]:
    with open(CATALOGUE_FILE, encoding="utf-8") as fh:
        data = safe_load(fh)
    return parse(data), dict(data["replies"])


def catalogue() -> dict[str, FlagEntry]:
    """Every flag, in the catalogue's order (most dangerous first)."""
    return _load()[0]


def reply_for(flags: list[str], tier: str) -> str:
    """What to tell the patient for a reply at `tier` with these flags: the reply of a flag found at
    its own tier wins (self-harm -> 988), otherwise the default for the tier."""
    entries = catalogue()
    for flag in flags:
        entry = entries.get(flag)
        if entry is not None and entry.tier == tier:
            return entry.reply
    return _load()[1].get(tier, "next_business_day")


def flag_tier(flag: str) -> str:
    """The tier a plain report of this flag gets."""
    entry = catalogue().get(flag)
    return entry.tier if entry is not None else Tier.URGENT  # an unknown item: the safer reading


def flag_rank() -> dict[str, int]:
    return {name: i for i, name in enumerate(catalogue())}


__all__ = ["FlagEntry", "CatalogueError", "catalogue", "reply_for", "flag_tier", "flag_rank", "REPLIES", "TIER_RANK"]
