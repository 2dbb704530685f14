"""Two check-ins in a row unanswered: review queue and one gentle nudge."""
from datetime import datetime, timedelta

from bot import silence
from bot.models import Outbox, ReviewItem
from tests.helpers import enroll, outbox

START = datetime(2026, 11, 21, 12, 0)


def asked(rt, e, key, at, answered=False):
    with rt.session() as s:
        s.add(Outbox(key=key, enrollment_id=e.id, to_phone=e.phone, kind="pathway", expects="pain_score",
                     body="How bad is your pain?", due_at=at, status="delivered", sent_at=at,
                     answered_at=at + timedelta(minutes=5) if answered else None))


def reviews(rt):
    with rt.session() as s:
        return s.query(ReviewItem).filter_by(reason="silence").count()


def test_two_unanswered_check_ins_queue_a_review_and_one_nudge(rt):
    e = enroll(rt, START, surgery_date="2026-11-01")  # day 20: room for a nudge (at most 3 texts a day)
    asked(rt, e, "q1", START)
    silence.check(rt, START + timedelta(days=1))
    assert reviews(rt) == 0  # one silence is not a pattern
    asked(rt, e, "q2", START + timedelta(days=1))
    assert silence.check(rt, START + timedelta(days=2)) == 1
    assert reviews(rt) == 1 and len(outbox(rt, kind="nudge")) == 1
    asked(rt, e, "q3", START + timedelta(days=2))
    silence.check(rt, START + timedelta(days=3))
    assert reviews(rt) == 1 and len(outbox(rt, kind="nudge")) == 1  # still one nudge for one stretch


def test_an_answer_breaks_the_streak(rt):
    e = enroll(rt, START)
    asked(rt, e, "q1", START)
    asked(rt, e, "q2", START + timedelta(days=1), answered=True)
    asked(rt, e, "q3", START + timedelta(days=2))
    silence.check(rt, START + timedelta(days=3))
    assert reviews(rt) == 0 and outbox(rt, kind="nudge") == []


def test_no_nudge_on_a_day_that_already_has_three_texts_but_the_review_item_still_goes(rt):
    e = enroll(rt, START)  # day 1 of the test pathway: its own texts fill the day
    asked(rt, e, "q1", START)
    asked(rt, e, "q2", START + timedelta(days=1))
    assert silence.check(rt, START + timedelta(days=2)) == 0
    assert reviews(rt) == 1 and outbox(rt, kind="nudge") == []
