"""Positive recognition of replies nobody needs to read: "ok", "thanks", "gracias", 👍, "feeling
better today". The inverse of triage: instead of looking for what is wrong, it accepts a reply only
when every part of it is known to be harmless (lists in lexicon/benign.yaml). Anything else goes to
a person (safety rule 1), so an unknown word costs a coordinator a glance, never a missed message."""
from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from bot.yamlio import safe_load

from .normalize import fold

_FILE = Path(__file__).parent / "lexicon" / "benign.yaml"
_ALLOWED_PUNCT = set(".,!'’;:-~ \t\n\r")
_DOUBLE = re.compile(r"([a-z])\1+")


def _squash(word: str) -> str:
    """ "okkk", "graciaaas", "thankss" and "good" compare by their letters without repeats."""
    return _DOUBLE.sub(r"\1", word)


@cache
def _lists() -> dict:
    data = safe_load(_FILE.read_text(encoding="utf-8"))
    words: set[str] = set()
    phrases: list[list[str]] = []
    for section in ("acknowledgements", "positive"):
        for entries in data[section].values():
            for entry in entries:
                parts = [_squash(w) for w in fold(str(entry)).split()]
                if len(parts) == 1:
                    words.add(parts[0])
                else:
                    phrases.append(parts)
    starts = {_squash(fold(w)) for entries in data["question_starts"].values() for w in entries}
    emoji = sorted((str(e) for e in data["emoji"]), key=len, reverse=True)
    return {"words": words, "phrases": phrases, "starts": starts, "emoji": emoji,
            "max_words": int(data["max_words"])}


def load() -> None:
    """Read the lists now (app start), so a broken file stops the service instead of a reply."""
    _lists()


def _only_text(text: str) -> bool:
    """Letters and light punctuation only: a digit, "?", "¿" or an unlisted emoji (🚑, 😢) is not benign."""
    for ch in text:
        if ch in _ALLOWED_PUNCT or ch.isalpha() or unicodedata.category(ch) in ("Mn", "Cf"):
            continue
        return False
    return True


def is_benign(text: str) -> bool:
    """True only for a reply every word of which is a known acknowledgement or positive update.
    The caller still requires triage to find nothing in it."""
    lists = _lists()
    rest = text
    for symbol in lists["emoji"]:
        rest = rest.replace(symbol, " ")
    if not _only_text(rest):
        return False
    tokens = [_squash(t) for t in re.findall(r"[a-z]+", fold(rest))]
    if not tokens:
        return rest != text  # only listed emoji ("👍"); an empty or symbol-only text is not benign
    opens_with_phrase = any(tokens[:len(p)] == p for p in lists["phrases"])
    if len(tokens) > lists["max_words"] or (tokens[0] in lists["starts"] and not opens_with_phrase):
        return False
    i = 0
    while i < len(tokens):
        phrase = next((p for p in lists["phrases"] if tokens[i:i + len(p)] == p), None)
        if phrase is not None:
            i += len(phrase)
        elif tokens[i] in lists["words"]:
            i += 1
        else:
            return False
    return True
