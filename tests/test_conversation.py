"""Check-in answers in context become observations; out of context they are just text."""
from datetime import datetime, timedelta

import time_machine

from bot.dispatch import dispatch_due
from bot.models import Observation, ReviewItem
from tests.helpers import add_coordinator, enroll, outbox, reply, sms

ENROLLED = datetime(2026, 11, 21, 12, 0)
ASKED = datetime(2026, 11, 21, 23, 0)  # 18:00 in New York: the pain question goes out


def observations(rt):
    with rt.session() as s:
        return [(o.kind, o.value, o.question_id) for o in s.query(Observation).order_by(Observation.id)]


def ask_pain(rt):
    enroll(rt, ENROLLED)
    with time_machine.travel(ASKED, tick=False):
        dispatch_due(rt, ASKED)
    return outbox(rt, step="pain-checkin", day=1)[0]


def test_number_after_the_pain_question_is_stored_as_pain(client, rt, fake_twilio):
    question = ask_pain(rt)
    with time_machine.travel(ASKED + timedelta(minutes=20), tick=False):
        answer = reply(client, fake_twilio, "6", "SM" + "1" * 32)
    assert observations(rt) == [("pain", "6", question.id)]
    assert answer.startswith("Thank you, Ana. A nurse will read")  # 5-7 is routine: reviewed next business day
    with rt.session() as s:
        assert s.query(ReviewItem).filter_by(reason="routine_reply").count() == 1
    assert outbox(rt, id=question.id)[0].answered_at == ASKED + timedelta(minutes=20)


def test_low_pain_gets_the_normal_acknowledgement(client, rt, fake_twilio):
    ask_pain(rt)
    with time_machine.travel(ASKED + timedelta(minutes=5), tick=False):
        answer = reply(client, fake_twilio, "pain is a 3", "SM" + "2" * 32)
    assert answer == "Thank you, Ana. Your answer is saved."
    assert observations(rt)[0][:2] == ("pain", "3")


def test_high_pain_pages_as_urgent(client, rt, fake_twilio):
    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    ask_pain(rt)
    with time_machine.travel(ASKED + timedelta(minutes=5), tick=False):
        answer = reply(client, fake_twilio, "9", "SM" + "3" * 32)
    assert "call your surgeon's office" in answer
    assert "[URGENT]" in fake_twilio.to("+12025550181")[0].body


def test_number_out_of_context_is_not_a_pain_score(client, rt, fake_twilio):
    enroll(rt, ENROLLED)  # nothing asked yet
    with time_machine.travel(ENROLLED + timedelta(hours=1), tick=False):
        sms(client, "6", "SM" + "4" * 32)
    assert observations(rt) == []


def test_answer_after_the_window_is_free_text(client, rt, fake_twilio):
    ask_pain(rt)
    with time_machine.travel(ASKED + timedelta(hours=13), tick=False):
        sms(client, "4", "SM" + "5" * 32)
    assert observations(rt) == []


def test_yes_no_answers_to_the_red_flag_screen(client, rt, fake_twilio):
    from bot.models import Outbox

    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    e = enroll(rt, ENROLLED)
    with rt.session() as s:
        s.add(Outbox(key="screen", enrollment_id=e.id, to_phone=e.phone, kind="programme", expects="yes_no",
                     body="Any of these: fever, leg weakness, trouble peeing, chest pain? Reply YES or NO",
                     due_at=ENROLLED, status="sent", sent_at=ENROLLED))
    with time_machine.travel(ENROLLED + timedelta(minutes=3), tick=False):
        assert reply(client, fake_twilio, "No", "SM" + "6" * 32) == "Thank you, Ana. Your answer is saved."
        answer = reply(client, fake_twilio, "yes", "SM" + "7" * 32)
    assert [o[:2] for o in observations(rt)] == [("red_flag_screen", "no"), ("red_flag_screen", "yes")]
    assert "911" in answer and len(fake_twilio.to("+12025550181")) == 1
