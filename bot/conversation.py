"""What have we asked this patient that is still open, and which question does this reply answer?

A question stays open until it is answered or the same kind of question is asked again, so a late
"yes" to the 12:00 red-flag check-in, sent after the 18:00 pain question, still answers the check-in.
With several open questions the reply goes to the newest one whose answer it looks like: numbers to
the pain question, yes/no or item numbers to the red-flag check-in, yes/no to "is your medicine
helping?". Understanding the answer's shape is this module's job; what the words mean is triage's.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import instruments
from bot.models import Observation, Outbox
from bot.outbox.states import ASKED

RECENT_QUESTIONS = 20  # enough to see the last of each kind
_YES = {"yes", "y", "yeah", "yep", "yup", "ya", "yea", "yess", "si", "s", "sip", "claro"}
_NO = {"no", "n", "nope", "nah", "none", "nothing", "nada", "ninguno", "ninguna", "ningun", "0", "cero",
       "zero", "nop"}
_JOINERS = {"and", "y", "&", "e", "plus", "also", "tambien", "number", "numero", "num", "no", "#"}
# "I have 2", "tengo el 2", "I do": the check-in's "Do you have any of these?" answered in a sentence.
_HAVE = (("i", "have"), ("i", "do"), ("i", "got"), ("yo", "tengo"), ("tengo",))
_ITEM_WORDS = _JOINERS | _YES | {"el", "la", "los", "las", "the", "items", "item"}  # "3 yes", "la 3 y la 6"
_NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "cero": 0, "uno": 1, "una": 1, "dos": 2, "tres": 3,
                 "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10}
# Which body site a pain number belongs to ("back 4 leg 8", "4 in my back, 8 in my hip").
_BACK = {"back", "lower", "spine", "espalda", "cintura", "lumbar", "columna", "low"}
_LEG = {"leg", "legs", "buttock", "buttocks", "butt", "hip", "hips", "thigh", "sciatica", "glute", "bottom",
        "pierna", "piernas", "nalga", "nalgas", "gluteo", "gluteos", "cadera", "caderas", "muslo", "pompi"}
_DENOMINATOR = re.compile(r"\s*(?:/|out of|de|sobre)\s*10\b")
_TOKENS = re.compile(r"\d+(?:\.\d+)?|[a-z]+|&|#")
PainPair = tuple[float | None, float | None]  # (back, leg)
# A pain pair | "none" | "yes" | [item numbers] (the red-flag check-in) | "yes"/"no" | an item's score
AnswerValue = PainPair | str | list[int] | int


@dataclass(frozen=True)
class Answer:
    question: Outbox
    kind: str          # "pain", "red_flag_screen", "meds_helping"
    value: AnswerValue
    extra_words: bool  # more than the answer itself ("yes, my leg"): a person reads it


_FILLER = {"in", "my", "en", "la", "el", "mi", "pain", "dolor", "is", "the", "a", "un", "es", "its", "it", "about",
           "around", "like", "maybe", "de", "mas", "o", "menos", "more", "or", "less", "right", "now", "ahora",
           "today", "hoy", "tonight", "level", "score", "nivel"}
_PAIN_WORDS = {"pain", "dolor", "hurts", "hurt", "duele", "ache", "sore", "dolores"}


def tokens(body: str) -> list[str]:
    """Lower-case ASCII words and numbers; "1,3" stays two numbers (no decimal-comma reading here)."""
    folded = unicodedata.normalize("NFKD", body).encode("ascii", "ignore").decode().lower()
    return _TOKENS.findall(_DENOMINATOR.sub(" ", folded))


def open_questions(session: Session, enrollment_id: int) -> list[Outbox]:
    """Unanswered questions, newest first, each not yet replaced by a newer one of the same kind."""
    recent = session.scalars(select(Outbox).where(
        Outbox.enrollment_id == enrollment_id, Outbox.expects.is_not(None), Outbox.status.in_(ASKED),
        Outbox.sent_at.is_not(None)).order_by(Outbox.sent_at.desc(), Outbox.id.desc()).limit(RECENT_QUESTIONS))
    seen: set[str | None] = set()
    result = []
    for question in recent:
        if question.expects in seen:
            continue
        seen.add(question.expects)
        if question.answered_at is None:
            result.append(question)
    return result


def _number(tok: str) -> float | None:
    if tok in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[tok])
    try:
        return float(tok)
    except ValueError:
        return None


def pain_pair(body: str) -> tuple[PainPair, bool] | None:
    """((back, leg), extra_words) from "4 8", "4 and 8", "back 4 leg 8", "4 in my back, 8 in my hip",
    "6"; None when the reply is not one or two scores from 0 to 10."""
    toks = tokens(body)
    numbers = {i: n for i, t in enumerate(toks)
               if (n := _number(t)) is not None and (t[0].isdigit() or len(toks) <= 3)}
    at = list(numbers)
    if not 1 <= len(at) <= 2 or any(not 0 <= n <= 10 for n in numbers.values()):
        return None
    labels_first = bool(toks) and (toks[0] in _BACK or toks[0] in _LEG)
    sites: list[str | None] = []
    for n, i in enumerate(at):
        if labels_first:
            span = toks[(at[n - 1] + 1 if n else 0):i]
        else:
            span = toks[i + 1:(at[n + 1] if n + 1 < len(at) else len(toks))]
        sites.append("leg" if any(t in _LEG for t in span) else "back" if any(t in _BACK for t in span) else None)
    values = [numbers[i] for i in at]
    pair: PainPair
    if len(values) == 1:
        pair = (None, values[0]) if sites[0] == "leg" else (values[0], None)
    elif sites[0] == "leg" or sites[1] == "back":
        pair = (values[1], values[0])
    else:
        pair = (values[0], values[1])
    extra = [t for t in toks if _number(t) is None and t not in _BACK | _LEG | _JOINERS | _FILLER]
    if len(extra) > 3 and not any(t in _PAIN_WORDS for t in toks):
        return None  # "walked 3 times and 4 miles today": numbers, not scores
    return pair, bool(extra)


def screen_answer(body: str, items: int) -> tuple[str | list[int], bool] | None:
    """The red-flag check-in: ("none" | "yes" | [item numbers], extra_words), or None when the reply
    does not start like an answer. Any reply starting with yes/si answers it ("yes a little")."""
    toks = tokens(body)
    if not toks:
        return None
    numbers = [int(v) for t in toks if (v := _number(t)) is not None and t[0].isdigit() and v == int(v)]
    picked = sorted({n for n in numbers if 1 <= n <= items})
    rest = [t for t in toks if _number(t) is None and t not in _JOINERS and t not in _YES]
    if toks[0] in _YES:
        return (picked or "yes"), bool(rest)
    if toks[0] in _NO and toks[0] != "no" or (toks[0] == "no" and not picked):
        return "none", len(toks) > 1
    if lead := _have(toks):  # "I do", "tengo": a yes; "I have 2", "tengo el 2": those items
        after = toks[lead:]
        if not after:
            return "yes", False
        if picked and all(t[0].isdigit() or t in _ITEM_WORDS for t in after):
            return picked, False
        return None  # "I do my walks", "I have a question": triage reads it
    if picked and len(picked) == len(set(numbers)) and all(t[0].isdigit() or t in _ITEM_WORDS for t in toks):
        return picked, False
    return None


def _have(toks: list[str]) -> int:
    """How many leading words say "I have" ("I have", "I do", "tengo"), or 0."""
    return next((len(lead) for lead in _HAVE if tuple(toks[:len(lead)]) == lead), 0)


def yes_no(body: str) -> tuple[str, bool] | None:
    """("yes" | "no", extra_words) for a reply starting with yes/si or no."""
    toks = tokens(body)
    if toks and toks[0] in _YES:
        return "yes", len(toks) > 1
    if toks and toks[0] in {"no", "n", "nope", "nah", "nop"}:
        return "no", len(toks) > 1
    return None


def match(questions: list[Outbox], body: str, items_for) -> Answer | None:
    """The newest open question this reply has the shape of an answer to. `items_for(question)`:
    how many numbered items a red-flag check-in lists."""
    toks = tokens(body)
    # "YES 2", "sí 4", "I have 3" after the pain question went out: the red-flag check-in's shape
    # (a yes, or "I have"), not a pain score's, even when the pain question is the newer one; only
    # when no other question takes it ("tengo 8") is it read as a pain score.
    checkin_shaped = bool(toks) and (toks[0] in _YES or bool(_have(toks))) and not any(t in _PAIN_WORDS for t in toks)
    for pain_too in ((False, True) if checkin_shaped else (True,)):
        if answer := _match(questions, body, items_for, pain_too):
            return answer
    return None


def _match(questions: list[Outbox], body: str, items_for, pain_too: bool) -> Answer | None:
    for question in questions:
        if question.expects == "pain_score" and pain_too and (pain := pain_pair(body)):
            return Answer(question, "pain", *pain)
        if question.expects == "redflag_list" and (screen := screen_answer(body, items_for(question))):
            return Answer(question, "red_flag_screen", *screen)
        if question.expects == "score" and (score := instruments.read(tokens(body), question.content_key or "")):
            return Answer(question, "instrument", *score)
        if question.expects == "yes_no" and (yes := yes_no(body)):
            return Answer(question, "meds_helping" if question.content_key == "pain_meds_question"
                          else "yes_no", *yes)
    return None


def checkin_items_too(questions: list[Outbox], answer: Answer, body: str, items_for) -> tuple[Outbox, list[int]] | None:
    """A pain answer the open red-flag check-in could take as well: (the check-in, its item numbers).

    With both questions open, "3", "no 3" or "1 and 3" is recorded as the pain score (the newer
    question), but it may be a late answer to the check-in ("3": numbness between the legs), so the
    reply names those items and a person checks. It reads as a list of items when every number is an
    item of the check-in, none repeats, and they go up, as the check-in lists them ("2", "1 and 3",
    "2 4"). A pair that goes down ("4 2": back higher than leg, the pain question's own example), a
    number the check-in does not list ("8", "9 3", "0") and numbers with a site ("back 1 leg 3") are
    pain alone."""
    if answer.kind != "pain":
        return None
    checkin = next((q for q in questions if q.expects == "redflag_list"), None)
    if checkin is None:
        return None
    screen = screen_answer(body, items_for(checkin))
    if screen is None or not isinstance(screen[0], list):
        return None
    written = [_number(t) for t in tokens(body) if t[0].isdigit()]
    if written != [float(n) for n in screen[0]]:
        return None
    return checkin, screen[0]


def record_answer(session: Session, question: Outbox, kind: str, value: str, inbound_id: int,
                  now: datetime) -> Observation:
    question.answered_at = question.answered_at or now
    observation = Observation(enrollment_id=question.enrollment_id, kind=kind, value=value,
                              question_id=question.id, inbound_id=inbound_id, observed_at=now)
    session.add(observation)
    return observation

