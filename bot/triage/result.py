"""The value returned by `classify`: tier, flags and evidence for one reply."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Tier(StrEnum):
    """How soon a human must act on a reply. A StrEnum, so columns, JSON and the lexicons keep
    their plain strings. Declared in ascending severity: that order is the tier order."""
    NONE = "none"
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"


# Ascending severity; index comparisons decide "highest tier wins".
TIERS: tuple[Tier, ...] = tuple(Tier)
TIER_RANK: dict[str, int] = {t: i for i, t in enumerate(TIERS)}
# The tiers that open an escalation and page the on-call ladder.
ESCALATED = (Tier.URGENT, Tier.EMERGENCY)


@dataclass(frozen=True)
class TriageResult:
    tier: Tier
    flags: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    lang: str = "en"
    # The 0-10 pain score the reply gives, if any (stored as a check-in observation).
    pain: float | None = None

    def to_dict(self) -> dict[str, object]:
        return {"tier": self.tier, "flags": list(self.flags), "evidence": list(self.evidence)}
