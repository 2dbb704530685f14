"""Compile the clinician-readable pattern language of the lexicon files into regular expressions.

Syntax (documented for clinicians in docs/triage.md):
  word          one word; `word*` = any word starting with "word"
  a|b|c         one word, any of these
  (x y | z)     a group of alternative phrases; `(...)?` = optional group
  word?         optional word
  ...           up to 5 words in between (never crossing punctuation, "but", or a negation word)
  !a|b          the next word must NOT be one of these ("cant walk !far")
  #             any number

The patient text is matched as " tok1 tok2 ... " (tokens separated by single spaces), and every
element consumes its trailing space, so word boundaries come for free.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from .normalize import fold_phrase

_PATTERN_TOKEN = re.compile(r"\(|\)\??|[^\s()]+")
_NUMBER = r"\d+(?:\.\d+)?(?:[/-]\d+(?:\.\d+)?)? "


def _word_alt(spec: str) -> str:
    alts = []
    for w in spec.split("|"):
        if w.endswith("*"):
            alts.append(re.escape(w[:-1]) + r"[^ ]*")
        else:
            alts.append(re.escape(w))
    return "(?:" + "|".join(alts) + ")" if len(alts) > 1 else alts[0]


class _Parser:
    def __init__(self, pattern: str, gap: str) -> None:
        self.toks = _PATTERN_TOKEN.findall(fold_phrase(pattern))
        self.pos = 0
        self.gap = gap

    def parse(self) -> str:
        out = self._alternatives()
        if self.pos != len(self.toks):
            raise ValueError("unbalanced parentheses")
        return out

    def _alternatives(self) -> str:
        branches = [self._sequence()]
        while self.pos < len(self.toks) and self.toks[self.pos] == "|":
            self.pos += 1
            branches.append(self._sequence())
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    def _sequence(self) -> str:
        parts: list[str] = []
        while self.pos < len(self.toks):
            tok = self.toks[self.pos]
            if tok in ("|",) or tok.startswith(")"):
                break
            self.pos += 1
            if tok == "(":
                inner = self._alternatives()
                if self.pos >= len(self.toks) or not self.toks[self.pos].startswith(")"):
                    raise ValueError("missing )")
                close = self.toks[self.pos]
                self.pos += 1
                parts.append(f"(?:{inner})?" if close == ")?" else f"(?:{inner})")
            elif tok == "...":
                parts.append(self.gap)
            elif tok == "#":
                parts.append(_NUMBER)
            elif tok.startswith("!"):
                parts.append(f"(?!{_word_alt(tok[1:])} )")
            elif tok.endswith("?") and len(tok) > 1:
                parts.append(f"(?:{_word_alt(tok[:-1])} )?")
            else:
                parts.append(_word_alt(tok) + " ")
        return "".join(parts)


def gap_regex(blockers: Iterable[str], max_words: int = 5) -> str:
    """A lazy gap of up to `max_words` words that cannot skip a negation or a clause break."""
    block = "|".join(sorted({re.escape(b) for b in blockers}, key=len, reverse=True))
    word = f"(?!(?:{block}) )[^ ,.;:!?-][^ ]*" if block else "[^ ,.;:!?-][^ ]*"
    return f"(?:{word} ){{0,{max_words}}}?"


def to_regex(pattern: str, gap: str) -> str:
    return "(?<= )" + _Parser(pattern, gap).parse()


def compile_patterns(patterns: Iterable[str], gap: str) -> re.Pattern[str] | None:
    parts = [to_regex(p, gap) for p in patterns]
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


def literal_words(pattern: str) -> set[str]:
    """Plain words of a pattern, used as the vocabulary the spelling corrector maps onto."""
    words = set()
    for tok in _PATTERN_TOKEN.findall(fold_phrase(pattern)):
        for w in tok.lstrip("!").rstrip("?").split("|"):
            if w.isalpha():
                words.add(w)
    return words
