"""Compile the clinician-readable pattern language of the lexicon files into regular expressions.

Syntax (documented for clinicians in docs/triage.md):
  word          one word; `word*` = any word starting with "word"
  (a|b c|d)     any one of these words or phrases; `(...)?` = optional group
                (at top level `a|b` splits the whole pattern, so use parentheses)
  word?         optional word
  ...           up to 5 words in between (never crossing punctuation, "but", or a negation word)
  ....          anywhere later in the same reply (up to 30 words, across sentences; never across a
                negation word): for two facts told in different sentences
  !a|b          the next word must NOT be one of these ("cant walk !far"; `!#`: not a number)
  #             any number
  ^             start of the reply

The patient text is matched as " tok1 tok2 ... " (tokens separated by single spaces), and every
element consumes its trailing space, so word boundaries come for free.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .normalize import fold_phrase

_PATTERN_TOKEN = re.compile(r"\(|\)\??|![^\s()]+|\||[^\s()|]+")
_NUMBER = r"\d+(?:\.\d+)?(?:[/-]\d+(?:\.\d+)?)? "


def _word_alt(spec: str) -> str:
    alts = []
    for w in spec.split("|"):
        if w.endswith("*"):
            alts.append(re.escape(w[:-1]) + r"[^ ]*")
        else:
            alts.append(re.escape(w))
    return "(?:" + "|".join(alts) + ")" if len(alts) > 1 else alts[0]


# A parsed piece: (regex, first words it can start with or None for "anything", can be empty).
_Piece = tuple[str, "frozenset[str] | None", bool]
ANY_NUMBER = "#"   # first-word key for patterns starting with a number


class _Parser:
    """Recursive descent over pattern tokens; also works out which words a match can start with,
    so the engine only tries a pattern where one of those words occurs (speed)."""

    def __init__(self, pattern: str, gap: str, long_gap: str | None = None) -> None:
        self.toks = _PATTERN_TOKEN.findall(fold_phrase(pattern))
        self.pos = 0
        self.gap = gap
        self.long_gap = long_gap or gap

    def parse(self) -> _Piece:
        out = self._alternatives()
        if self.pos != len(self.toks):
            raise ValueError(f"unbalanced parentheses in {' '.join(self.toks)!r}")
        return out

    def _alternatives(self) -> _Piece:
        branches = [self._sequence()]
        while self.pos < len(self.toks) and self.toks[self.pos] == "|":
            self.pos += 1
            branches.append(self._sequence())
        if len(branches) == 1:
            return branches[0]
        firsts = [b[1] for b in branches]
        known = [f for f in firsts if f is not None]
        first = frozenset[str]().union(*known) if len(known) == len(firsts) else None
        return "(?:" + "|".join(b[0] for b in branches) + ")", first, any(b[2] for b in branches)

    def _element(self, tok: str) -> _Piece:
        if tok == "(":
            inner, first, nullable = self._alternatives()
            if self.pos >= len(self.toks) or not self.toks[self.pos].startswith(")"):
                raise ValueError("missing )")
            close = self.toks[self.pos]
            self.pos += 1
            if close == ")?":
                return f"(?:{inner})?", first, True
            return f"(?:{inner})", first, nullable
        if tok == "...":
            return self.gap, None, True
        if tok == "....":
            return self.long_gap, None, True
        if tok == "^":
            return "(?<=^ )", frozenset(), True
        if tok == "#":
            return _NUMBER, frozenset({ANY_NUMBER}), False
        if tok.startswith("!"):
            words = tok[1:].split("|")
            banned = [_word_alt("|".join(w for w in words if w != "#"))] if words != ["#"] else []
            if "#" in words:   # "!#": not followed by a number
                banned.append(_NUMBER.rstrip(" "))
            return f"(?!(?:{'|'.join(banned)}) )", frozenset(), True
        optional = tok.endswith("?") and len(tok) > 1
        word = tok[:-1] if optional else tok
        regex = _word_alt(word) + " "
        first = frozenset(word.split("|"))
        return (f"(?:{regex})?", first, True) if optional else (regex, first, False)

    def _sequence(self) -> _Piece:
        parts: list[str] = []
        first: set[str] | None = set()
        nullable = True
        while self.pos < len(self.toks):
            tok = self.toks[self.pos]
            if tok == "|" or tok.startswith(")"):
                break
            self.pos += 1
            regex, efirst, enull = self._element(tok)
            parts.append(regex)
            if nullable:   # still inside the part that decides the first word
                first = None if first is None or efirst is None else first | efirst
                nullable = enull
        return "".join(parts), (None if first is None else frozenset(first)), nullable


class PhraseSet:
    """Compiled patterns, tried only at tokens that can start them."""

    def __init__(self, patterns: Iterable[str], gap: str, long_gap: str | None = None) -> None:
        regexes: list[str] = []
        exact: set[str] = set()
        prefixes: set[str] = set()
        self.scan = False       # some pattern can start anywhere: fall back to a full search
        for p in patterns:
            regex, first, nullable = _Parser(p, gap, long_gap).parse()
            regexes.append(f"(?<= ){regex}")
            if first is None or nullable:
                self.scan = True
                continue
            for w in first:
                (prefixes.add(w[:-1]) if w.endswith("*") else exact.add(w))
        self.regex = re.compile("|".join(f"(?:{r})" for r in regexes)) if regexes else None
        self.exact = frozenset(exact)
        self.prefixes = tuple(sorted(prefixes))


def gap_regex(blockers: Iterable[str], max_words: int = 5, across_sentences: bool = False) -> str:
    """A lazy gap of up to `max_words` words that cannot skip a blocker (a negation, a clause break);
    with `across_sentences` it may cross punctuation."""
    block = "|".join(sorted({re.escape(b) for b in blockers}, key=len, reverse=True))
    token = "[^ ]+" if across_sentences else "[^ ,.;:!?-][^ ]*"
    word = f"(?!(?:{block}) ){token}" if block else token
    return f"(?:{word} ){{0,{max_words}}}?"


def to_regex(pattern: str, gap: str) -> str:
    return "(?<= )" + _Parser(pattern, gap).parse()[0]


def compile_patterns(patterns: Iterable[str], gap: str, long_gap: str | None = None) -> PhraseSet | None:
    patterns = list(patterns)
    return PhraseSet(patterns, gap, long_gap) if patterns else None


def literal_words(pattern: str) -> set[str]:
    """Plain words of a pattern, used as the vocabulary the spelling corrector maps onto."""
    words = set()
    for tok in _PATTERN_TOKEN.findall(fold_phrase(pattern)):
        for w in tok.lstrip("!").rstrip("?*").split("|"):
            if w.isalpha():
                words.add(w)
    return words


class MatchIndex:
    """Run many PhraseSets over one text in a single pass over its tokens.

    Why: calling each set separately walks the tokens ~40 times per reply; the inverted index
    (first word -> sets that can start there) walks them once, which keeps us well above
    5,000 replies per second.
    """

    def __init__(self, sets: Sequence[PhraseSet | None]) -> None:
        self.sets = sets
        index: dict[str, list[int]] = {}
        prefixes: dict[str, list[int]] = {}
        self.scan: list[int] = []
        for sid, ps in enumerate(sets):
            if ps is None or ps.regex is None:
                continue
            if ps.scan:
                self.scan.append(sid)
                continue
            for w in ps.exact:
                index.setdefault(w, []).append(sid)
            for p in ps.prefixes:
                prefixes.setdefault(p, []).append(sid)
        self.index = {w: tuple(v) for w, v in index.items()}
        self.prefixes = tuple((p, tuple(v)) for p, v in prefixes.items())
        self.prefix_tuple = tuple(prefixes)

    def run(self, text: str, tokens: list[str], offsets: list[int]) -> list[list[tuple[int, int]]]:
        out: list[list[tuple[int, int]]] = [[] for _ in self.sets]
        tried: set[tuple[int, int]] = set()
        index, sets = self.index, self.sets
        for i, tok in enumerate(tokens):
            key = ANY_NUMBER if tok[:1].isdigit() else tok
            sids = index.get(key, ())
            if self.prefix_tuple and tok.startswith(self.prefix_tuple):
                sids = sids + tuple(s for p, ss in self.prefixes if tok.startswith(p) for s in ss)
            for sid in sids:
                if (sid, i) in tried:
                    continue
                tried.add((sid, i))
                m = sets[sid].regex.match(text, offsets[i])   # type: ignore[union-attr]
                if m:
                    out[sid].append(m.span())
        for sid in self.scan:
            out[sid] = [m.span() for m in sets[sid].regex.finditer(text)]   # type: ignore[union-attr]
        return out
