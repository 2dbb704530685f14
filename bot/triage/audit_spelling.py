"""Developer check: frequent real words that the fuzzy matcher would turn into a symptom or cue word.

    pip install wordfreq   # dev only, not a runtime dependency
    python -m bot.triage.audit_spelling en [20000] [--write]

Prints the words (from wordfreq's most frequent N) that `SpellCorrector` maps onto a *different*
word used by a flag pattern or a cue ("visiting" -> vomiting, "forever" -> fever). Inflections
("wounds" -> wound) are not listed. They belong in the protected block at the end of `common_words`
in lexicon/generated/common_words-<lang>.yaml: `--write` appends them there and runs again until nothing is left (new
protected words can shift other ties).
"""
from __future__ import annotations

import sys

from .lexicon import LEXICON_DIR, _load_yaml, expand_pattern, load
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


def protect(lang: str, words: list[str]) -> None:
    """Append words to the end of the machine-made list lexicon/generated/common_words-<lang>.yaml
    (kept out of the files clinicians edit)."""
    path = LEXICON_DIR / "generated" / f"common_words-{lang}.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\ncommon_words:")
    end = text.index("]", start)
    lines = [""]
    for word in words:
        if len(lines[-1]) + len(word) > 96:
            lines.append("")
        lines[-1] += f" {word},"
    added = "".join(f",\n  {line.strip().rstrip(',')}" for line in lines if line)
    path.write_text(text[:end] + added + text[end:], encoding="utf-8")
    load.cache_clear()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--write"]
    lang_arg = args[0] if args else "en"
    top = int(args[1]) if len(args) > 1 else 20000
    found = collisions(lang_arg, top)
    print(", ".join(found))
    print(f"{len(found)} collisions", file=sys.stderr)
    while "--write" in sys.argv and found:
        protect(lang_arg, found)
        found = collisions(lang_arg, top)
        print(f"after protecting them: {len(found)} collisions {', '.join(found)}", file=sys.stderr)
