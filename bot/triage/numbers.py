"""Numbers that carry triage meaning: temperatures, 0-10 pain scores, and "N days" durations.

Thresholds come from rules.yaml; the words that give a number its meaning (units, "temp",
"dolor", "yesterday") come from the language file's `numbers` section.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .context import Doc
from .lexicon import Lexicon

_NUM = re.compile(r"^(\d+(?:\.\d+)?)(?:([/-])(\d+(?:\.\d+)?))?$")
ANCHOR_BEFORE = 3
ANCHOR_AFTER = 2


@dataclass(frozen=True)
class Reading:
    value: float
    index: int      # token index of the number
    start: int      # evidence span
    end: int


def _value(lex: Lexicon, tok: str) -> tuple[float, bool, bool] | None:
    """(value, is_decimal, is_out_of_ten) for a digit token or a number word."""
    m = _NUM.match(tok)
    if m:
        first = float(m.group(1))
        if m.group(2) == "/":
            return first, "." in m.group(1), m.group(3) == "10"
        second = float(m.group(3)) if m.group(3) else first
        return max(first, second), "." in tok, False   # ranges "5-6": the higher, for safety
    if tok in lex.number_words:
        return lex.number_words[tok], False, False
    return None


def _current(readings: list[Reading], doc: Doc, lex: Lexicon) -> Reading | None:
    """Pick the reading that describes *now*: "was 9 yesterday, now 3" -> 3."""
    if not readings:
        return None
    now, past = lex.words.get("current", frozenset()), lex.words.get("historical", frozenset())
    toks = doc.tokens

    def near(r: Reading, words: frozenset[str], before: int, after: int) -> bool:
        """An anchor word close by, in the reading's own clause ("was 7 yesterday but is 3")."""
        lo, hi = max(0, r.index - before), min(len(toks), r.index + after + 1)
        return any(toks[j] in words and doc.clause[j] == doc.clause[r.index] for j in range(lo, hi))

    current = [r for r in readings if near(r, now, ANCHOR_BEFORE, 1)]
    if current:
        return current[-1]
    live = [r for r in readings if not near(r, past, ANCHOR_BEFORE, ANCHOR_AFTER)]
    if live:
        return live[-1]
    return max(readings, key=lambda r: r.value)   # all historical: be safe


def temperatures(doc: Doc, lex: Lexicon) -> list[tuple[Reading, bool]]:
    """Current temperature readings as (reading, is_fever)."""
    cfg = lex.settings["temperature"]
    w = lex.words
    toks = doc.tokens
    has_context = any(t in w["temperature_words"] for t in toks)
    found: list[tuple[Reading, bool]] = []
    for i, tok in enumerate(toks):
        if not tok[0].isdigit():
            continue
        parsed = _value(lex, tok)
        if parsed is None or parsed[2]:
            continue
        value, decimal, _ = parsed
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if nxt in w["not_temperature_units"]:
            continue
        unit = "F" if nxt in w["fahrenheit"] else "C" if nxt in w["celsius"] else None
        in_f = cfg["f_range"][0] <= value <= cfg["f_range"][1]
        in_c = cfg["c_range"][0] <= value <= cfg["c_range"][1]
        if unit is None and (has_context or nxt in w["degrees"] or decimal):
            unit = "F" if in_f else "C" if in_c else None
        elif unit is None and in_f and value >= cfg["fever_f"]:
            unit = "F"   # "took it twice, 101 both times": a bare 101-107 is read as a fever (safety)
        if unit is None or (unit == "F" and not in_f) or (unit == "C" and not in_c):
            continue
        fever = value >= (cfg["fever_f"] if unit == "F" else cfg["fever_c"])
        lo = i
        for j in range(max(0, i - 3), i):   # show "temp is 101.8", not just "101.8"
            if toks[j] in w["temperature_words"]:
                lo = j
                break
        hi = i + 2 if unit and nxt and (nxt in w["fahrenheit"] | w["celsius"] | w["degrees"]) else i + 1
        found.append((Reading(value, i, lo, hi), fever))
    best = _current([r for r, _ in found], doc, lex)
    return [(r, f) for r, f in found if r is best]


def pain_score(doc: Doc, lex: Lexicon, context: str | None) -> Reading | None:
    """A 0-10 score: "8/10", "pain is a 9", "pain level nine", "dolor 9", or a bare number
    answering the pain question."""
    w = lex.words
    toks = doc.tokens
    content = [t for t in toks if t not in w["filler"] and t not in ("", ",", ".", "!", "?")]
    readings: list[Reading] = []
    spoken = lex.number_words_spoken
    for i, tok in enumerate(toks):
        parsed = _value(lex, tok)
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if parsed is None and tok in spoken and ((i > 0 and toks[i - 1] in w["one_words"]) or nxt in w["out_of"]):
            parsed = (spoken[tok], False, False)   # dictation: "pain is about a for", "ate out of ten"
        if parsed is None:
            continue
        value, _decimal, out_of_ten = parsed
        if value > 10 or (not out_of_ten and nxt in w["not_pain_units"]) or nxt in w["fahrenheit"] | w["celsius"]:
            continue   # "10 pills", "8 min"; but "10/10 pills useless" is a score
        if value == 10 and toks[i - 1] in w["out_of"] and readings and readings[-1].index >= i - 3:
            continue   # the 10 of "2 de 10", "8 out of 10"
        if nxt in w["out_of"] and any((_value(lex, t) or (0,))[0] == 10 for t in toks[i + 2:i + 4]):
            out_of_ten = True   # "8 out of 10", "8 de 10"
        lo = max(0, i - 8)   # "pain was 9 yesterday, now it's a 4": the 4 is still pain
        near_pain = any(t in w["pain_words"] for t in toks[lo:i])
        bare_answer = context == "pain_score" and (len(content) <= 3 or i == 0
                                                   or (i > 0 and toks[i - 1] in w["score_lead"]))
        # A later "... now it's a 4" continues a score already given.
        # ... as does "was a 9 last nite, 3 now".
        follow_up = bool(readings) and i > 0 and ((toks[i - 1] in w["score_lead"] and toks[i - 1] not in w["time_lead"])
                                                  or nxt in w["current"])   # "took a tylenol at 8" is a time
        # "the pain won't let me move, it's a 10", "un 9 fijo, bien fuerte el dolor": an article
        # before the number and a pain word anywhere in the reply.
        article_score = (i > 0 and toks[i - 1] in w["one_words"]
                         and any(t in w["pain_words"] or t in w["score_context"] for t in toks))
        if (readings and readings[-1].index == i - 2 and toks[i - 1] in w["range_words"]
                and (i < 3 or toks[i - 3] not in w["from_words"])):   # "from 8 to 3" is a change
            # "4 or 5", "between 4 and 5", "entre 6 y 7": a range, read as its higher end (safety).
            last = readings.pop()
            readings.append(Reading(max(value, last.value), i, last.start, i + 1))
        elif out_of_ten or near_pain or bare_answer or follow_up or article_score:
            start = next((j for j in range(lo, i) if toks[j] in w["pain_words"]), i)
            readings.append(Reading(value, i, start, i + 1))
    return _current(readings, doc, lex)


def day_count(doc: Doc, lex: Lexicon) -> float:
    """Longest duration mentioned ("no BM in 5 days", "una semana", "since friday ... it's
    wednesday"), in days; 0 if none. A count from surgery ("10 days since surgery, last BM 2 days
    ago") is used only when it is the only one ("4 days post op and no poop since surgery")."""
    w = lex.words
    surgery = w.get("surgery_words", frozenset())
    found: list[float] = []
    from_surgery: list[float] = []
    toks = doc.tokens
    for i in range(len(toks) - 1):
        if toks[i] in w["day_words"] and toks[i + 1][:1].isdigit():   # "day 6 no BM", "dia 5 sin popo"
            tok, unit, after = toks[i + 1], toks[i], i + 2
        elif toks[i + 1] in w["day_words"] or toks[i + 1] in w["week_words"]:
            tok, unit, after = toks[i], toks[i + 1], i + 2
        else:
            continue
        parsed = (1.0,) if tok in w["one_words"] else _value(lex, tok)   # "a week", "una semana"
        if parsed is None:
            continue
        days = parsed[0] * (7 if unit in w["week_words"] else 1)
        (from_surgery if any(t in surgery for t in toks[after:after + 3]) else found).append(days)
    # "no BM since friday, it's wednesday now": the days between two named weekdays.
    weekdays = [lex.weekdays[t] for t in doc.tokens if t in lex.weekdays]
    if len(weekdays) >= 2:
        found.append(float((weekdays[-1] - weekdays[0]) % 7 or 7))
    return max(found or from_surgery or [0.0])
