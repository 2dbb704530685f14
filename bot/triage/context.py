"""ConText-style modifiers for a symptom mention: negated, resolved, hypothetical, someone else.

A mention is a token span [start, end). Cues are phrases from the lexicon's `cues` section found in
the same clause (clauses end at punctuation, at "but"-type terminators and at `clause_breaks`
such as "and my"). Negation words that are part of a symptom phrase ("can't pee") sit inside the
span and are never looked at, which is why the lexicon lists such phrases whole.
"""
from __future__ import annotations

from dataclasses import dataclass

from .lexicon import Lexicon, settings
from .normalize import PUNCT


def _window(name: str) -> int:
    """How far (in words) a cue reaches: rules.yaml `windows`, with the reason for each there."""
    return settings()["windows"][name]


@dataclass
class Doc:
    """One folded, tokenised, spell-corrected reply plus the cue spans found in it."""
    raw: list[str]           # folded tokens as typed (for evidence)
    tokens: list[str]        # after alias + spelling correction
    text: str                # " tok tok ... " for regex matching
    starts: dict[int, int]   # char offset in `text` -> token index
    offsets: list[int]       # token index -> char offset in `text`
    clause: list[int]        # clause id per token
    cue_spans: dict[str, list[tuple[int, int]]]
    group_spans: list[list[tuple[int, int]]]   # token spans per lexicon rule group
    is_question: bool
    caregiver: bool          # a relative signs/types for the patient ("- his daughter")

    def evidence(self, start: int, end: int) -> str:
        return " ".join(self.raw[start:end])


def build_doc(raw: list[str], lex: Lexicon) -> Doc:
    fix = lex.corrector.correct
    tokens = [fix(t) for t in raw]
    starts: dict[int, int] = {}
    offsets: list[int] = []
    pos = 1
    for i, tok in enumerate(tokens):
        starts[pos] = i
        offsets.append(pos)
        pos += len(tok) + 1
    starts[pos] = len(tokens)
    text = " " + " ".join(tokens) + " "
    n = len(tokens)

    found = lex.index.run(text, tokens, offsets)

    def to_tokens(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        return [(starts[a], starts.get(b, n)) for a, b in spans]

    def find(name: str) -> list[tuple[int, int]]:
        sid = lex.cue_ids.get(name)
        return [] if sid is None else to_tokens(found[sid])

    terminators = lex.words.get("terminators", frozenset()) | lex.words.get("soft_terminators", frozenset())
    breaks = {s for s, _ in find("clause_breaks")}
    clause, cid = [], 0
    for i, tok in enumerate(tokens):
        if tok in PUNCT or tok in terminators or i in breaks:
            cid += 1
        clause.append(cid)

    pseudo = find("pseudo_negation")
    cue_spans: dict[str, list[tuple[int, int]]] = {}
    for name in ("negation_before", "negation_after", "improvement", "hypothetical", "concern",
                 "normal_finding", "family_other", "family_young", "family_parent", "first_person",
                 "not_patient", "negation_next", "third_person", "reporting", "improvement_next",
                 "self_well", "idioms", "not_new", "not_new_breakers", "read_back", "read_back_action"):
        spans = find(name)
        # A cue inside a pseudo-negation ("not sure", "won't go away") is no cue at all.
        cue_spans[name] = [c for c in spans if not any(p[0] <= c[0] < p[1] for p in pseudo)]
    is_question = "?" in tokens or bool(find("question_markers"))
    group_spans = [to_tokens(found[i]) if found[i] else [] for i in range(len(lex.groups))]   # most are empty
    return Doc(raw, tokens, text, starts, offsets, clause, cue_spans, group_spans, is_question,
               bool(find("caregiver")))


def _same_clause(doc: Doc, a: int, b: int) -> bool:
    """True if no clause boundary lies between token a and token b (a <= b)."""
    return a < len(doc.clause) and b < len(doc.clause) and doc.clause[a] == doc.clause[b]


def _before(doc: Doc, cue: str, start: int, window: int) -> tuple[int, int] | None:
    for cs, ce in doc.cue_spans.get(cue, ()):
        # A cue may run into the mention ("ya no" + "no siento hormigueo"): it still precedes it.
        if cs < start and start - ce <= window and _same_clause(doc, cs, start):
            return cs, ce
    return None


def _after(doc: Doc, cue: str, end: int, window: int) -> bool:
    for cs, _ce in doc.cue_spans.get(cue, ()):
        if cs >= end and cs - end <= window and _same_clause(doc, end - 1, cs):
            return True
    return False


def _next(doc: Doc, cue: str, end: int) -> bool:
    """A cue opening the next clause right after the mention, in the same sentence."""
    return any(0 <= cs - end <= _window("next_clause") and not {".", "!", "?"} & set(doc.tokens[end:cs])
               for cs, _ in doc.cue_spans.get(cue, ()))


def negated(doc: Doc, start: int, end: int, before_only: bool = False) -> bool:
    """ "no fever", "numbness is gone", "no longer short of breath", and a next clause that
    closes the matter ("dizzy after standing yesterday but today that's gone"). `before_only` for an
    event that stays reported once over (rules.yaml `past_events`): only "no seizure" negates it."""
    if _before(doc, "negation_before", start, _window("negation_before")) is not None:
        return True
    return not before_only and (_after(doc, "negation_after", end, _window("negation_after"))
            or _next(doc, "negation_next", end))


def improving(doc: Doc, start: int, end: int) -> bool:
    """ "pain is better": only ever used to drop routine items, never red flags."""
    return (_before(doc, "improvement", start, _window("negation_before")) is not None
            or _after(doc, "improvement", end, _window("improvement_after"))
            or _next(doc, "improvement_next", end))


def hypothetical(doc: Doc, start: int) -> bool:
    """ "if I get a fever should I call?": only inside a question, because "if I stand up my
    head pounds" is a report of a symptom, not a hypothesis."""
    return doc.is_question and _before(doc, "hypothetical", start, _window("hypothetical_before")) is not None


def concern_only(doc: Doc, start: int) -> bool:
    """ "worried about infection": a worry, not a finding; "bruising around the incision is
    turning yellow": a normal finding, not infection (neither is applied to emergencies)."""
    return (_before(doc, "concern", start, _window("negation_before")) is not None
            or _before(doc, "normal_finding", start, _window("negation_before")) is not None)


def other_experiencer(doc: Doc, start: int) -> bool:
    """ "my wife has a fever" -> not the patient. Parents ("Mom is confused") are not in
    family_other: adult children typing for an older patient is the common case. A relative
    signing the text, or a first-person word between relative and symptom ("my wife says I'm
    confused"), keeps the mention on the patient."""
    return not doc.caregiver and _family_subject(doc, start, "family_other")


def told_apart(doc: Doc, start: int) -> bool:
    """Someone who is clearly not the patient, for any flag below emergency: a child or
    grandchild ("my son fell off his bike"), or any relative, parents included, when the writer
    says they are not the one or are well ("my mom fell at her place, so I might miss the call";
    "it's my husband who has the fever, not me")."""
    if doc.caregiver:
        return False
    if _family_subject(doc, start, "family_young"):
        return True
    if not (doc.cue_spans.get("not_patient") or doc.cue_spans.get("self_well")):
        return False
    return bool(doc.cue_spans.get("family_other") or doc.cue_spans.get("family_parent"))


def writer_own(doc: Doc, start: int) -> bool:
    """A relative typing for the patient who mentions their own illness: "This is his daughter, I
    have the stomach flu so my brother is staying with Dad" (but "I think he has a fever" is his)."""
    if not doc.caregiver:
        return False
    relatives = {cs for name in ("family_other", "family_parent", "family_young")
                 for cs, _ in doc.cue_spans.get(name, ())}
    own = [(cs, ce) for cs, ce in doc.cue_spans.get("first_person", ())   # "I", not the "my" of "my husband"
           if cs not in relatives and cs < start and start - ce <= _window("family_before")
           and _same_clause(doc, cs, start)]
    return bool(own) and not any(own[-1][1] <= cs < start for cs, _ in doc.cue_spans.get("third_person", ()))


def _family_subject(doc: Doc, start: int, family: str) -> bool:
    """A relative named just before the symptom is its subject, unless a first-person word
    ("my wife says I'm confused") or a reporting verb ("my daughter says his leg is numb") lies
    between them."""
    fam = _before(doc, family, start, _window("family_before"))
    if fam is None:
        return False
    between = doc.cue_spans.get("first_person", []) + doc.cue_spans.get("reporting", [])
    return not any(fam[1] <= cs < start for cs, _ in between)


def not_new(doc: Doc, start: int, end: int) -> bool:
    """ "a small leak when I sneeze since my children were born, nothing new", "the ER said it was
    reflux": a symptom from before surgery, someone's usual, or already ruled out. The cue may follow
    in the next sentence, unless "now", "new", "worse"... comes between ("... before surgery but now
    I can't feel my foot")."""
    if _before(doc, "not_new", start, _window("negation_before")) is not None:
        return True
    breakers = [cs for cs, _ in doc.cue_spans.get("not_new_breakers", ())]
    return any(end <= cs and cs - end <= _window("not_new_after") and not any(end <= b < cs for b in breakers)
               for cs, _ in doc.cue_spans.get("not_new", ()))


def in_idiom(doc: Doc, start: int, end: int) -> bool:
    """ "nearly gave me a heart attack", "dying to get back to golf": no symptom at all."""
    return any(cs <= start and end <= ce for cs, ce in doc.cue_spans.get("idioms", ()))


_SENTENCE_END = frozenset({".", "!", "?"})


def read_back(doc: Doc, start: int, end: int) -> bool:
    """ "Got it: chest pain, can't pee, numbness in the groin = call 911 or you guys": the warning signs
    repeated back. The mention lies after an opening "got it" / "entendido" and before the action
    ("call 911 or you", "llamo al 911") in the same sentence, with no "now", "new", "worse"... between."""
    opening = doc.cue_spans.get("read_back")
    if not opening:
        return False
    first = opening[0][1]
    if start < first or _SENTENCE_END & set(doc.tokens[first:start]):
        return False
    for cs, ce in doc.cue_spans.get("read_back_action", ()):
        if cs >= start and end <= ce and not _SENTENCE_END & set(doc.tokens[start:cs]):
            return not any(first <= b < ce for b, _ in doc.cue_spans.get("not_new_breakers", ()))
    return False
