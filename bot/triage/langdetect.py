"""Pick `en` or `es` by counting each language's marker words (stopwords + common reply words).

Simple on purpose: replies are short, there are two languages, and a tie goes to English.
"""
from __future__ import annotations

from .lexicon import LANGUAGES, load


def detect(tokens: list[str]) -> str:
    best, best_score = LANGUAGES[0], 0
    for lang in LANGUAGES:
        markers = load(lang).words["stopwords"]
        score = sum(1 for t in tokens if t in markers)
        if score > best_score:
            best, best_score = lang, score
    return best
