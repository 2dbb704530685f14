"""Pick `en` or `es` by counting each language's words: stopwords count double, any other word
the language's lexicon knows (symptoms, common words) counts once.

Simple on purpose: replies are short, there are two languages, and a tie goes to English.
"""
from __future__ import annotations

from .lexicon import LANGUAGES, load


def detect(tokens: list[str]) -> str:
    best, best_score = LANGUAGES[0], 0
    for lang in LANGUAGES:
        lex = load(lang)
        markers, vocab = lex.words["stopwords"], lex.corrector.vocab
        score = sum(2 if t in markers else 1 if t in vocab else 0 for t in tokens)
        if score > best_score:
            best, best_score = lang, score
    return best
