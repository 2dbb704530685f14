"""Free, validated check-in instruments by text (issue 14; clinical-review.md #38 and section 4).

* PEG-3 (Krebs et al. 2009): pain on average, interference with enjoyment of life, interference
  with general activity, each 0-10 over the past week; the score is their mean. Weeks 2, 6 and 12.
* PHQ-2 (Kroenke et al. 2003; free, no permission needed): little interest or pleasure, feeling down,
  each 0-3 over the last 2 weeks; the score is their sum, and 3 or more is a positive screen that
  needs a clinician: it goes to the review queue and the patient gets the 988 line. Weeks 2 and 6.

One item per text (a schedule step with `expects: score`); each answer is an Observation of the
item's kind, and once every item of a round is in, the score is one more Observation ("peg",
"phq2") that the patient page charts beside pain. ODI and PROMIS need licences and are not used.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.models import Observation

# content key -> (instrument, highest answer)
ITEMS: dict[str, tuple[str, int]] = {
    "peg_pain": ("peg", 10), "peg_enjoyment": ("peg", 10), "peg_activity": ("peg", 10),
    "phq_interest": ("phq2", 3), "phq_mood": ("phq2", 3),
}
PHQ2_POSITIVE = 3
ROUND_DAYS = 7  # the items of one round are asked over a day or two; a week apart is another round


@dataclass(frozen=True)
class Score:
    instrument: str
    value: float
    positive: bool


def read(toks: list[str], content_key: str) -> tuple[int, bool] | None:
    """(answer, extra_words) when the reply's words (`conversation.tokens`) are one whole number in
    the item's range ("3", "3 today" is a number with more words); None otherwise."""
    if content_key not in ITEMS:
        return None
    numbers = [t for t in toks if t.isdigit()]
    if len(numbers) != 1 or not toks[0].isdigit() or not 0 <= int(numbers[0]) <= ITEMS[content_key][1]:
        return None
    return int(numbers[0]), len(toks) > 1


def score(session, enrollment_id: int, instrument: str, now: datetime) -> Score | None:
    """The round's score once every item of the instrument has an answer in the last ROUND_DAYS."""
    keys = [k for k, (inst, _) in ITEMS.items() if inst == instrument]
    latest: dict[str, float] = {}
    for obs in session.scalars(select(Observation).where(
            Observation.enrollment_id == enrollment_id, Observation.kind.in_(keys),
            Observation.observed_at >= now - timedelta(days=ROUND_DAYS)).order_by(Observation.observed_at)):
        latest[obs.kind] = float(obs.value)
    if set(latest) != set(keys):
        return None
    if instrument == "phq2":
        total = sum(latest.values())
        return Score("phq2", total, total >= PHQ2_POSITIVE)
    return Score("peg", round(sum(latest.values()) / len(keys), 1), False)


def answer(session, enrollment, inbound, question, found, now: datetime) -> None:
    """After an item's answer is recorded: when the round is complete, record its score, and queue a
    positive PHQ-2 for a clinician with the 988 line in the reply (respond._act sends found.key with
    the deadline)."""
    session.flush()
    instrument = ITEMS[question.content_key][0]
    result = score(session, enrollment.id, instrument, now)
    if result is None:
        return
    already = session.scalars(select(Observation.id).where(
        Observation.enrollment_id == enrollment.id, Observation.kind == instrument,
        Observation.observed_at >= now - timedelta(days=ROUND_DAYS))).first()
    if already is not None:
        return  # this round's score is in (a corrected answer does not score twice)
    session.add(Observation(enrollment_id=enrollment.id, kind=instrument, value=f"{result.value:g}",
                            question_id=question.id, inbound_id=inbound.id, observed_at=now))
    if result.positive:
        found.review, found.key = "phq2_positive", "phq_positive_reply"
        found.evidence.append(f"PHQ-2 {result.value:g} (3 or more: positive)")
