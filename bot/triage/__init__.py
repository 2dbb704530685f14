"""Red-flag triage of patient replies: `classify(text, lang, context) -> TriageResult`.

Pure function over clinician-editable lexicons in `bot/triage/lexicon/*.yaml`.
"""
from .engine import classify
from .result import TIERS, Tier, TriageResult

__all__ = ["classify", "TriageResult", "TIERS", "Tier"]
