"""Red-flag triage of patient replies: `classify(text, lang, context) -> TriageResult`.

Pure function over clinician-editable lexicons in `bot/triage/lexicon/*.yaml`.
"""
from .engine import classify, might_be_urgent
from .result import TIERS, Tier, TriageResult

__all__ = ["classify", "might_be_urgent", "TriageResult", "TIERS", "Tier"]
