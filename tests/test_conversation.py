"""Check-in answers as people write them: two pain numbers, the medicine question, rises, repeats,
late answers matched to the right open question. Times: Monday 2026-11-23, clinic Mon-Fri 08-17 New York."""
from datetime import date, datetime, timedelta

import pytest
import time_machine

from bot.models import Escalation, Inbound, Observation, Outbox, ReviewItem
from tests.helpers import add_coordinator, asked, enroll, outbox, render, reply, room_on

NOON = datetime(2026, 11, 23, 17, 0)      # 12:00 in New York: the red-flag check-in
EVENING = datetime(2026, 11, 23, 23, 0)   # 18:00: the pain question (the clinic closed at 17:00)


def observations(rt, kind=None):
    with rt.session() as s:
        query = s.query(Observation).order_by(Observation.id)
        return [(o.kind, o.value, o.question_id) for o in query if kind is None or o.kind == kind]


def rows(rt, model, **filters):
    with rt.session() as s:
        return s.query(model).filter_by(**filters).order_by(model.id).all()


@pytest.fixture
def patient(rt):
    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    return enroll(rt, NOON - timedelta(hours=6))


def say(client, fake_twilio, body, n, at):
    with time_machine.travel(at, tick=False):
        return reply(client, fake_twilio, body, f"SM{n:032d}")


@pytest.mark.parametrize("body", ["4 8", "4 and 8", "back 4 leg 8", "4 in my back, 8 in my hip"])
def test_two_pain_numbers_are_both_recorded_and_8_asks_about_the_medicine(client, rt, fake_twilio, patient, body):
    question = asked(rt, patient, "pain", EVENING)
    answer = say(client, fake_twilio, body, 1, EVENING + timedelta(minutes=5))
    assert observations(rt) == [("pain", "4", question), ("pain_leg", "8", question)]
    assert answer == "Ana, that is a lot of pain. Is your pain medicine helping? Reply YES or NO."
    assert rows(rt, Escalation) == [] and [i.reason for i in rows(rt, ReviewItem)] == ["pain_high"]


def test_spanish_pain_numbers_with_their_sites(client, rt, fake_twilio, patient):
    with rt.session() as s:
        s.get(type(patient), patient.id).language = "es"
    question = asked(rt, patient, "pain", EVENING)
    answer = say(client, fake_twilio, "espalda 3 pierna 2", 1, EVENING + timedelta(minutes=5))
    assert observations(rt) == [("pain", "3", question), ("pain_leg", "2", question)]
    assert answer is None  # a plain answer gets no thank-you (issue 14: at most 3 texts a day)


def test_high_pain_medicine_not_helping_is_urgent(client, rt, fake_twilio, patient):
    asked(rt, patient, "pain", EVENING)
    say(client, fake_twilio, "9", 1, EVENING + timedelta(minutes=5))
    answer = say(client, fake_twilio, "no", 2, EVENING + timedelta(minutes=8))
    [esc] = rows(rt, Escalation)
    assert (esc.tier, esc.flags) == ("urgent", ["pain_meds_not_helping"])
    assert answer == render(rt, "en", "urgent_reply")
    assert "[URGENT]" in fake_twilio.to("+12025550181")[0].body


def test_high_pain_medicine_helping_is_read_the_same_business_day(client, rt, fake_twilio, patient):
    asked(rt, patient, "pain", EVENING)
    say(client, fake_twilio, "8", 1, EVENING + timedelta(minutes=5))
    answer = say(client, fake_twilio, "YES", 2, EVENING + timedelta(minutes=8))
    assert answer == render(rt, "en", "ack_pain_high", read_when="tomorrow by 5 PM")
    [item] = rows(rt, ReviewItem)
    assert item.reason == "pain_high" and item.due_at == datetime(2026, 11, 24, 22, 0)  # Tuesday 17:00
    assert rows(rt, Escalation) == [] and outbox(rt, content_key="ack_pain_high")
    assert observations(rt, "pain_meds_helping")[0][1] == "yes"


def test_a_rise_of_two_goes_to_review_and_a_steady_5_to_7_gets_self_care_without_a_promise(
        client, rt, fake_twilio, patient):
    asked(rt, patient, "pain", EVENING - timedelta(days=1))
    say(client, fake_twilio, "5 3", 1, EVENING - timedelta(days=1, minutes=-5))
    asked(rt, patient, "pain", EVENING)
    room_on(rt, patient, EVENING)  # a day with 3 texts gets no self-care advice (tests/test_fatigue.py)
    steady = say(client, fake_twilio, "5 2", 2, EVENING + timedelta(minutes=5))
    assert steady == render(rt, "en", "pain_selfcare") and rows(rt, ReviewItem) == []
    asked(rt, patient, "pain", EVENING + timedelta(days=1))
    risen = say(client, fake_twilio, "7 2", 3, EVENING + timedelta(days=1, minutes=5))
    [item] = rows(rt, ReviewItem)
    assert item.reason == "pain_rising" and item.due_at == datetime(2026, 11, 25, 17, 0)  # Wed 12:00: 4 business h
    assert risen == render(rt, "en", "pain_review_reply", read_when="tomorrow by 12 PM")


def test_7_or_more_after_day_14_goes_to_review(client, rt, fake_twilio):
    e = enroll(rt, NOON - timedelta(hours=6), surgery_date="2026-11-01", phone="202 555 0144")
    assert (NOON.date() - date(2026, 11, 1)).days > 14
    asked(rt, e, "pain", EVENING)
    with time_machine.travel(EVENING + timedelta(minutes=5), tick=False):
        answer = reply(client, fake_twilio, "7 1", "SM" + "7" * 32, sender="+12025550144")
    assert [i.reason for i in rows(rt, ReviewItem)] == ["pain_rising"]
    assert answer == render(rt, "en", "pain_review_reply", read_when="tomorrow by 12 PM")


def test_the_same_answer_repeated_within_minutes_is_one_answer(client, rt, fake_twilio, patient):
    asked(rt, patient, "pain", EVENING)
    room_on(rt, patient, EVENING)
    first = say(client, fake_twilio, "6 4", 1, EVENING + timedelta(minutes=5))
    again = say(client, fake_twilio, "6 4", 2, EVENING + timedelta(minutes=7))
    assert first == render(rt, "en", "pain_selfcare") and again is None
    assert len(observations(rt)) == 2 and [r.handled_as for r in rows(rt, Inbound)] == ["answer", "duplicate_answer"]


def test_a_late_yes_answers_the_red_flag_check_in_not_the_pain_question(client, rt, fake_twilio, patient):
    screen = asked(rt, patient, "redflags", NOON)
    pain = asked(rt, patient, "pain", EVENING)
    answer = say(client, fake_twilio, "YES", 1, EVENING + timedelta(minutes=30))
    assert observations(rt) == [("red_flag_screen", "yes", screen)]
    [esc] = rows(rt, Escalation)
    assert esc.tier == "urgent" and esc.flags == ["red_flag_screen_yes"]
    assert answer == render(rt, "en", "screen_yes_reply")
    assert rows(rt, Outbox, id=pain)[0].answered_at is None  # the pain question is still open
    say(client, fake_twilio, "3 1", 2, EVENING + timedelta(minutes=40))
    assert observations(rt, "pain") == [("pain", "3", pain)]


def test_a_question_stays_open_until_asked_again(client, rt, fake_twilio, patient):
    monday = asked(rt, patient, "redflags", NOON)
    tuesday = asked(rt, patient, "redflags", NOON + timedelta(days=1))
    answer = say(client, fake_twilio, "no", 1, NOON + timedelta(days=1, hours=5))
    assert observations(rt) == [("red_flag_screen", "none", tuesday)]
    assert answer is None  # a plain NO gets no thank-you (issue 14)
    assert rows(rt, Outbox, id=monday)[0].answered_at is None  # replaced, not answered


def test_a_number_nobody_asked_for_is_read_by_a_person(client, rt, fake_twilio, patient):
    answer = say(client, fake_twilio, "6", 1, NOON)
    assert observations(rt) == []
    [item] = rows(rt, ReviewItem)
    assert item.reason == "free_text" and item.due_at == NOON + timedelta(hours=1)
    assert answer == render(rt, "en", "review_reply", read_when="today by 1 PM")


@pytest.mark.parametrize("body, reviewed", [("no, all good", False), ("No thanks", False), ("6, thanks", False),
                                            ("no but I have a question about my pills", True)])
def test_an_answer_with_more_words_is_read_only_when_the_rest_is_not_benign(client, rt, fake_twilio, patient,
                                                                             body, reviewed):
    asked(rt, patient, "redflags" if not body[0].isdigit() else "pain", NOON)
    answer = say(client, fake_twilio, body, 1, NOON + timedelta(minutes=5))
    items = rows(rt, ReviewItem)
    assert bool(items) == reviewed
    if not reviewed:
        assert answer in (None, render(rt, "en", "pain_selfcare"))  # no thank-you for a plain answer


@pytest.mark.parametrize("body, kind", [("yes 2", "red_flag_screen"), ("I have 3", "red_flag_screen"),
                                        ("tengo 8", "pain"), ("I have pain 3", "pain"), ("2", "pain")])
def test_a_reply_shaped_like_a_check_in_answer_goes_to_the_check_in_even_after_the_pain_question(
        client, rt, fake_twilio, patient, body, kind):
    """Both open, the pain question newer: a yes or "I have" with item numbers answers the check-in; a
    number the check-in cannot hold ("tengo 8") or a bare number stays the pain score."""
    asked(rt, patient, "redflags", NOON)
    asked(rt, patient, "pain", EVENING)
    say(client, fake_twilio, body, 1, EVENING + timedelta(minutes=10))
    assert [o[0] for o in observations(rt)] == [kind]


# Both questions open (the 12:00 check-in unanswered, then the 18:00 pain question) and a reply that
# fits both: the pain score is recorded, the reply says at once what to do if it meant check-in items
# (each by its catalogue tier), and a person checks it within a business hour (Tuesday 9:00).
EN_TAIL = (" This number is not watched all the time: a nurse will check your answer tomorrow by 9 AM."
           " In an emergency, call 911.")
ES_TAIL = " No se vigila siempre: una enfermera lo revisará mañana antes de las 9:00. Emergencias: 911."
AMBIGUOUS = [
    ("en", "3", [("pain", "3")],
     "Thank you, Ana. We recorded your pain as 3. If you meant number 3 on the safety check (numbness between "
     "your legs): go to the ER now or call 911." + EN_TAIL),
    ("en", "no 3", [("pain", "3")],
     "Thank you, Ana. We recorded your pain as 3. If you meant number 3 on the safety check (numbness between "
     "your legs): go to the ER now or call 911." + EN_TAIL),
    ("en", "2", [("pain", "2")],
     "Thank you, Ana. We recorded your pain as 2. If you meant number 2 on the safety check (new leg weakness "
     "or numbness): call +12025550111 today." + EN_TAIL),
    ("en", "1 and 3", [("pain", "1"), ("pain_leg", "3")],
     "Thank you, Ana. We recorded your pain as 1 in your back and 3 in your leg. If you meant number 1 on the "
     "safety check (fever or chills): call +12025550111 today. If you meant number 3 on the safety check "
     "(numbness between your legs): go to the ER now or call 911." + EN_TAIL),
    ("es", "3", [("pain", "3")],
     "Gracias, Ana. Anotamos su dolor: 3. Si era el número 3 de la lista de síntomas (entrepierna dormida): "
     "vaya a urgencias ya o llame al 911." + ES_TAIL),
    ("es", "2", [("pain", "2")],
     "Gracias, Ana. Anotamos su dolor: 2. Si era el número 2 de la lista de síntomas (pierna débil o dormida): "
     "llame hoy al +12025550111." + ES_TAIL),
    ("es", "4 y 6", [("pain", "4"), ("pain_leg", "6")],
     "Gracias, Ana. Anotamos su dolor: 4 en la espalda y 6 en la pierna. Si era el número 4 de la lista de "
     "síntomas (problema nuevo al orinar o hacer del baño): vaya a urgencias ya o llame al 911. Si era el "
     "número 6 de la lista de síntomas (pantorrilla hinchada): llame hoy al +12025550111." + ES_TAIL),
]


@pytest.mark.parametrize("language, body, recorded, expected", AMBIGUOUS)
def test_a_number_that_fits_both_open_questions_is_pain_and_the_reply_names_the_check_in_items(
        client, rt, fake_twilio, patient, language, body, recorded, expected):
    with rt.session() as s:
        s.get(type(patient), patient.id).language = language
    screen = asked(rt, patient, "redflags", NOON)
    pain = asked(rt, patient, "pain", EVENING)
    answer = say(client, fake_twilio, body, 1, EVENING + timedelta(minutes=10))
    assert observations(rt) == [(kind, value, pain) for kind, value in recorded]
    assert answer == expected
    [item] = rows(rt, ReviewItem)
    assert item.reason == "ambiguous_answer" and item.due_at == datetime(2026, 11, 24, 14, 0)  # Tuesday 9:00
    assert item.inbound_id == rows(rt, Inbound)[0].id and "check-in item" in item.detail
    assert rows(rt, Escalation) == []
    assert rows(rt, Outbox, id=screen)[0].answered_at is None  # the check-in is still open
    assert [r.handled_as for r in rows(rt, Inbound)] == ["answer"]


def test_the_review_detail_names_the_items_and_the_late_item_pages(client, rt, fake_twilio, patient):
    from bot.jobs import tick

    asked(rt, patient, "redflags", NOON)
    asked(rt, patient, "pain", EVENING)
    say(client, fake_twilio, "1 and 3", 1, EVENING + timedelta(minutes=10))
    [item] = rows(rt, ReviewItem)
    assert item.detail == "pain 1 3, or check-in items 1 (fever), 3 (cauda_equina)"
    with time_machine.travel(item.due_at, tick=False):
        tick(rt, item.due_at)
    [late] = rows(rt, Escalation)
    assert (late.tier, late.flags) == ("routine", ["review_overdue"])


@pytest.mark.parametrize("body, recorded, expected_key, reasons", [
    ("4 2", [("pain", "4"), ("pain_leg", "2")], None, []),            # a pair going down: pain as asked
    ("back 4 leg 2", [("pain", "4"), ("pain_leg", "2")], None, []),  # sites named
    ("8", [("pain", "8")], "pain_meds_question", ["pain_high"]),     # not a check-in item
    ("9 3", [("pain", "9"), ("pain_leg", "3")], "pain_meds_question", ["pain_high"]),
    ("0", [("pain", "0")], None, []),
])
def test_a_clear_pain_answer_with_both_questions_open_is_unchanged(client, rt, fake_twilio, patient, body, recorded,
                                                                    expected_key, reasons):
    asked(rt, patient, "redflags", NOON)
    pain = asked(rt, patient, "pain", EVENING)
    answer = say(client, fake_twilio, body, 1, EVENING + timedelta(minutes=10))
    assert observations(rt) == [(kind, value, pain) for kind, value in recorded]
    assert answer == (render(rt, "en", expected_key) if expected_key else None)
    assert [i.reason for i in rows(rt, ReviewItem)] == reasons and rows(rt, Escalation) == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_number_when_only_the_pain_question_is_open_is_just_pain(client, rt, fake_twilio, patient, language):
    with rt.session() as s:
        s.get(type(patient), patient.id).language = language
    pain = asked(rt, patient, "pain", EVENING)
    answer = say(client, fake_twilio, "3", 1, EVENING + timedelta(minutes=10))
    assert observations(rt) == [("pain", "3", pain)]
    assert answer is None and rows(rt, ReviewItem) == [] and rows(rt, Escalation) == []
