"""The value returned by `classify`: tier, flags and evidence for one reply."""
from __future__ import annotations

from dataclasses import dataclass, field

# Ascending severity; index comparisons decide "highest tier wins".
TIERS: tuple[str, ...] = ("none", "routine", "urgent", "emergency")
TIER_RANK: dict[str, int] = {t: i for i, t in enumerate(TIERS)}


@dataclass(frozen=True)
class TriageResult:
    tier: str
    flags: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    lang: str = "en"
    # The 0-10 pain score the reply gives, if any (stored as a check-in observation).
    pain: float | None = None

    def to_dict(self) -> dict[str, object]:
        return {"tier": self.tier, "flags": list(self.flags), "evidence": list(self.evidence)}
