"""classify(): tie the lexicon matches, context rules and numbers together into one result."""
from __future__ import annotations

from dataclasses import dataclass

from . import context as ctx
from .langdetect import detect
from .lexicon import LANGUAGES, Lexicon, load, settings
from .normalize import fold, tokenize
from .numbers import day_count, pain_score, temperatures
from .result import TIER_RANK, TIERS, TriageResult


@dataclass
class Hit:
    flag: str
    tier: str
    start: int
    end: int
    text: str

    @property
    def rank(self) -> int:
        return TIER_RANK[self.tier]


def _keep(doc: ctx.Doc, flag: str, tier: str, start: int, end: int) -> bool:
    """Context rules: a modifier drops the mention only for the tiers rules.yaml `modifiers` lets it
    (emergencies only on explicit negation, a hypothetical question, an idiom or "not new")."""
    rules = settings()
    may = {name for name, tiers in rules["modifiers"].items() if tier in tiers}
    return not (
        ("negation" in may and ctx.negated(doc, start, end, before_only=flag in rules["past_events"]))
        or ("hypothetical" in may and ctx.hypothetical(doc, start))
        or ("idiom" in may and ctx.in_idiom(doc, start, end))
        or ("not_new" in may and ctx.not_new(doc, start, end))
        or ("concern" in may and ctx.concern_only(doc, start))
        or ("other_experiencer" in may and flag in rules["other_experiencer_flags"]
            and (ctx.other_experiencer(doc, start) or ctx.writer_own(doc, start)))
        or ("told_apart" in may and ctx.told_apart(doc, start))
        or ("improvement" in may and ctx.improving(doc, start, end))
        or ("read_back" in may and ctx.read_back(doc, start, end)))


def _lexical_hits(doc: ctx.Doc, lex: Lexicon, context_free: set[str], context: str | None) -> list[Hit]:
    hits = []
    for group, spans in zip(lex.groups, doc.group_spans, strict=True):
        if not spans:
            continue
        wanted = lex.flag_options.get(group.flag, {}).get("context")
        if wanted is not None and wanted != context:
            continue   # a flag that only means something as an answer ("yes" to the red-flag check-in)
        for start, end in spans:
            if group.flag in context_free or _keep(doc, group.flag, group.tier, start, end):
                hits.append(Hit(group.flag, group.tier, start, end, doc.evidence(start, end)))
    return hits


def _number_hits(doc: ctx.Doc, lex: Lexicon, context: str | None, hits: list[Hit],
                 score) -> list[Hit]:
    rules = lex.settings
    temp = rules["temperature"]
    for reading, fever in temperatures(doc, lex):
        if fever and _keep(doc, temp["flag"], temp["tier"], reading.start, reading.end):
            hits.append(Hit(temp["flag"], temp["tier"], reading.start, reading.end,
                            doc.evidence(reading.start, reading.end)))
    pain = rules["pain_score"]
    if score is not None:
        # The number decides how bad the pain is: "pain is a 3" is not a pain flag.
        hits = [h for h in hits if h.flag != pain["pain_flag"]]
        for band in pain["bands"]:
            if band["min"] <= score.value <= band["max"] and band.get("flag"):
                hits.append(Hit(band["flag"], band["tier"], score.start, score.end,
                                doc.evidence(score.start, score.end)))
    for flag, up in rules.get("day_upgrades", {}).items():
        raised = [h for h in hits if h.flag == flag and h.rank < TIER_RANK[up["tier"]]
                  and ("words" not in up or any(t in up["words"] for t in doc.tokens[h.start:h.end]))]
        if raised and day_count(doc, lex) >= up["days"]:
            for h in raised:
                h.tier = up["tier"]
    return hits


def _drop_subsumed(doc: ctx.Doc, hits: list[Hit]) -> list[Hit]:
    """ "numb between my legs" (cauda_equina) swallows the "numb" (neuro_deficit) inside it,
    but not a symptom of its own clause ("numb when I wipe and my right foot is numb")."""
    def inside(h: Hit, o: Hit) -> bool:
        if o.flag != h.flag and doc.clause[h.start] != doc.clause[o.start]:
            return False
        wider = o.start <= h.start and h.end <= o.end and (o.end - o.start) > (h.end - h.start)
        if o.flag == h.flag:   # overlapping matches of one flag: keep the widest as evidence
            return wider and o.rank >= h.rank
        return o.start <= h.start and h.end <= o.end and o.rank > h.rank   # "pain 8 and the calf is swell": both
    keep = set(settings().get("never_swallowed", ()))
    return [h for h in hits
            if not any(inside(h, o) for o in hits if o is not h and (h.flag not in keep or o.flag == h.flag))]


def classify(text: str, lang: str | None = None, context: str | None = None) -> TriageResult:
    """Triage one patient reply. Pure: no I/O beyond the cached lexicon files."""
    rules = settings()
    raw = tokenize(fold(text or ""))
    lang = lang if lang in LANGUAGES else detect(raw)
    lex = load(lang)
    doc = ctx.build_doc(raw, lex)
    hits = _lexical_hits(doc, lex, set(rules.get("context_free_flags", [])), context)
    score = pain_score(doc, lex, context)
    hits = _drop_subsumed(doc, _number_hits(doc, lex, context, hits, score))

    best: dict[str, int] = {}
    for h in hits:
        best[h.flag] = max(best.get(h.flag, 0), h.rank)
    rank = max(best.values(), default=0)
    evidence_extra = []
    for combo in rules.get("combinations", []):
        need = combo["flags"]
        floor = TIER_RANK[combo.get("at_least", "none")]
        if not all(best.get(f, -1) >= floor for f in need):
            continue
        if "words" in combo and not any(t in combo["words"] for h in hits if h.flag in need
                                        for t in doc.tokens[h.start:h.end]):
            continue
        if TIER_RANK[combo["tier"]] > rank:
            rank = TIER_RANK[combo["tier"]]
            evidence_extra.append(f"{' + '.join(need)} together: {combo['tier']}")

    flag_rank = rules["flag_rank"]
    flags = sorted(best, key=lambda f: (-best[f], flag_rank[f]))
    evidence = []
    for flag in flags:
        texts = list(dict.fromkeys(h.text for h in sorted(hits, key=lambda h: -h.rank) if h.flag == flag))
        evidence.append(f"{flag}: " + ", ".join(f"'{t}'" for t in texts))
    return TriageResult(TIERS[rank], flags, evidence + evidence_extra, lang,
                        float(score.value) if score is not None else None)

