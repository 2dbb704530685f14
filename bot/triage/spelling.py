"""Map misspelt tokens onto the lexicon's vocabulary with rapidfuzz (no hand-listed typos).

Why these guards: short words are where fuzzy matching goes wild ("paid" -> "pain"), so only
tokens of 4+ letters are corrected, the allowed edit distance grows with length, the first letter
must agree (typos rarely hit it), and every word the lexicon lists as ordinary vocabulary is left
alone. When several words are equally close, a word the rules use (a symptom or a cue) wins over
an ordinary word: "fevr" is "fever", not "fear" (when in doubt, the higher tier). Results are
memoised per token: patient texts reuse a small vocabulary, so after warm-up
correction is a dict lookup.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

MIN_LEN = 4
_CACHE_LIMIT = 50_000
# Letters that sound alike and are swapped when people spell by ear ("toci" for "tosi", "hinchaso",
# "bomito"): among equally close words, one that differs only by such a swap wins.
_SOUND_ALIKE = {frozenset(p) for p in ("cs", "sz", "cz", "bv", "yi", "gj", "ck", "kq")}


def _sound_alike(token: str, word: str) -> bool:
    if len(token) != len(word):
        return False
    diff = [frozenset((a, b)) for a, b in zip(token, word, strict=True) if a != b]
    return len(diff) == 1 and diff[0] in _SOUND_ALIKE


def _dropped_double(token: str, word: str) -> bool:
    """ "chils" for "chills", "swolen" for "swollen": a doubled letter typed once."""
    return len(word) == len(token) + 1 and any(
        word[i] == word[i - 1] and word[:i] + word[i + 1:] == token for i in range(1, len(word)))


def max_distance(length: int) -> int:
    return 1 if length < 7 else 2


class SpellCorrector:
    def __init__(self, vocabulary: Iterable[str], aliases: dict[str, str],
                 preferred: Iterable[str] = ()) -> None:
        self.vocab = frozenset(vocabulary)
        self.preferred = frozenset(preferred) & self.vocab
        self.aliases = dict(aliases)
        by_letter: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self.vocab):
            by_letter[word[0]].append(word)
        self._by_letter = dict(by_letter)
        self._cache: dict[str, str] = {}

    def correct(self, token: str) -> str:
        hit = self._cache.get(token)
        if hit is not None:
            return hit
        fixed = self._correct(token)
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        self._cache[token] = fixed
        return fixed

    def _correct(self, token: str) -> str:
        if token in self.aliases:
            return self.aliases[token]
        if token in self.vocab or len(token) < MIN_LEN or not token.isalpha():
            return token
        for spelt, sound in (("ki", "qui"), ("ke", "que")):   # "kitarme" is "quitarme"
            if spelt in token and token.replace(spelt, sound) in self.vocab:
                return token.replace(spelt, sound)
        for a, b in (tuple(p) for p in _SOUND_ALIKE):   # "bibir": every b is a v, by sound
            for x, y in ((a, b), (b, a)):
                if x in token and token.replace(x, y) in self.vocab:
                    return token.replace(x, y)
        for pair in _SOUND_ALIKE:   # "bomito": only the first letter is off, and by sound
            if token[0] in pair:
                swapped = "".join(pair - {token[0]}) + token[1:]
                if swapped in self.vocab:
                    return swapped
        candidates = self._by_letter.get(token[0])
        if not candidates:
            return token
        found = process.extract(
            token, candidates, scorer=DamerauLevenshtein.distance,
            score_cutoff=max_distance(len(token)), limit=None,
        )
        if not found:
            return token
        best = min(score for _, score, _ in found)
        tied = [word for word, score, _ in found if score == best]
        tied.sort(key=lambda w: (w not in self.preferred, not _sound_alike(token, w), not _dropped_double(token, w)))
        return tied[0]
