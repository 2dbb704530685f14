"""Text folding and tokenising shared by the lexicon loader and the engine.

Patterns in the YAML files and patient texts go through the same `fold`, so a clinician can write
"can't" or "baño" and still match "cant" / "bano" typed without accents or apostrophes.
"""
from __future__ import annotations

import re
import unicodedata

_DEGREE = re.compile(r"[°º˚]")
_APOSTROPHE = re.compile(r"['’‘`´]")
_REPEATS = re.compile(r"([a-z])\1{2,}")  # "feverrrr" -> "feverr": fuzzy matching does the rest
_INNER_HYPHEN = re.compile(r"(?<=[a-z])[-_/](?=[a-z])")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d(?!\d))")  # Spanish "38,5" -> "38.5"
# Numbers (with decimals, "8/10", ranges "5-6"), words, and clause punctuation as separate tokens.
_TOKEN = re.compile(r"\d+(?:\.\d+)?(?:[/-]\d+(?:\.\d+)?)?|[a-z]+|[,.;:!?]|\s-+\s|\(|\)")
PUNCT = frozenset({",", ".", ";", ":", "!", "?", "-"})


def fold(text: str) -> str:
    """Lower-case ASCII with accents stripped; emoji and other symbols dropped."""
    text = _DEGREE.sub(" deg ", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = _APOSTROPHE.sub("", text)
    text = _INNER_HYPHEN.sub(" ", text)
    text = _DECIMAL_COMMA.sub(".", text)
    return _REPEATS.sub(r"\1\1", text)


_SPOKEN_POINT = ("point", "punto")   # dictated decimals: "100 point 9" -> "100.9"


def tokenize(text: str) -> list[str]:
    """Tokens of already-folded text; a free-standing dash ("- his daughter") becomes "-"."""
    out: list[str] = []
    for tok in _TOKEN.findall(" " + text + " "):
        tok = tok.strip()
        if tok.startswith("-") or tok in ("(", ")"):
            tok = "-"
        if tok.isdigit() and len(out) >= 2 and out[-1] in _SPOKEN_POINT and out[-2].isdigit():
            out[-2:] = [f"{out[-2]}.{tok}"]
            continue
        out.append(tok)
    return out


def fold_phrase(phrase: str) -> str:
    """Fold a lexicon word/phrase the same way as patient text (keeps pattern syntax chars)."""
    text = unicodedata.normalize("NFKD", phrase).encode("ascii", "ignore").decode("ascii").lower()
    return _APOSTROPHE.sub("", text)
