"""Developer check: frequent real words that the fuzzy matcher would turn into a symptom or cue word.

    pip install wordfreq   # dev only, not a runtime dependency
    python -m bot.triage.audit_spelling en [20000]

Prints the words (from wordfreq's most frequent N) that `SpellCorrector` maps onto a *different*
word used by a flag pattern or a cue ("visiting" -> vomiting, "forever" -> fever). Inflections
("wounds" -> wound) are not listed. Add what it prints to the protected block at the end of
`common_words` in lexicon/<lang>.yaml, and run it again until it prints nothing: new symptom words
in the lexicon attract new collisions, so re-run it after adding words.
"""
from __future__ import annotations

import sys

from .lexicon import _load_yaml, expand_pattern, load
from .normalize import fold
from .patterns import literal_words

KEEP_CORRECTING = {"bowl", "bowls"}   # real words, but in this domain usually "bowel"


def collisions(lang: str, n: int) -> list[str]:
    from wordfreq import top_n_list  # dev-only dependency

    data = _load_yaml(f"{lang}.yaml")
    targets: set[str] = set()
    for spec in data["flags"].values():
        for pats in spec.values():
            for p in pats:
                for x in expand_pattern(str(p), data.get("concepts") or {}):
                    targets |= literal_words(x)
    for items in data["cues"].values():
        for p in items:
            targets |= literal_words(str(p))
    corrector = load(lang).corrector
    out: list[str] = []
    for word in top_n_list(lang, n):
        w = fold(word)
        if not w.isalpha() or len(w) < 4 or w in corrector.aliases or w in KEEP_CORRECTING or w in out:
            continue
        fixed = corrector.correct(w)
        if fixed != w and fixed in targets and not (fixed.startswith(w) or w.startswith(fixed)):
            out.append(w)
    return out


if __name__ == "__main__":
    lang_arg = sys.argv[1] if len(sys.argv) > 1 else "en"
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    found = collisions(lang_arg, top)
    print(", ".join(found))
    print(f"{len(found)} collisions", file=sys.stderr)
