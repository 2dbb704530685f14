"""Issue 13, end to end through the signed webhook, in English and Spanish: every reproduced loss
now creates an escalation or a review item, and the patient gets the exact reply, which never claims
an alert that did not happen. Monday 2026-11-23; clinic Mon-Fri 08:00-17:00 New York."""
from datetime import datetime, timedelta

import pytest
import time_machine

from bot.jobs import tick
from bot.models import Escalation, Observation, ReviewItem
from bot.triage import classify
from tests.helpers import add_coordinator, asked, enroll, render, reply, room_on

NOON = datetime(2026, 11, 23, 17, 0)      # 12:00 in New York: the red-flag check-in goes out
EVENING = datetime(2026, 11, 23, 23, 0)   # 18:00: the pain question
AFTERNOON = datetime(2026, 11, 23, 19, 0)  # 14:00, the clinic is open


def rows(rt, model):
    with rt.session() as s:
        return s.query(model).order_by(model.id).all()


def patient(rt, language, on_call=True):
    if on_call:
        add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    return enroll(rt, NOON - timedelta(hours=6), language=language)


def text(client, fake_twilio, body, at, n=1):
    with time_machine.travel(at, tick=False):
        return reply(client, fake_twilio, body, f"SM{n:032d}")


@pytest.mark.parametrize("language, body", [("en", "yes a little"), ("en", "yes I do"), ("en", "yes, my leg"),
                                            ("es", "sí, un poco"), ("es", "si tengo")])
def test_a_yes_with_more_words_answers_the_check_in_and_escalates(client, rt, fake_twilio, language, body):
    e = patient(rt, language)
    asked(rt, e, "redflags", NOON)
    answer = text(client, fake_twilio, body, NOON + timedelta(minutes=20))
    [esc] = rows(rt, Escalation)
    assert esc.tier == "urgent" and "red_flag_screen_yes" in esc.flags
    assert answer == render(rt, language, "screen_yes_reply")
    assert "[URGENT]" in fake_twilio.to("+12025550181")[0].body


@pytest.mark.parametrize("language, body", [("en", "YES"), ("es", "Sí")])
def test_a_late_yes_after_the_pain_question_still_answers_the_check_in(client, rt, fake_twilio, language, body):
    e = patient(rt, language)
    asked(rt, e, "redflags", NOON)
    asked(rt, e, "pain", EVENING)
    answer = text(client, fake_twilio, body, EVENING + timedelta(minutes=10))
    [esc] = rows(rt, Escalation)
    assert esc.flags == ["red_flag_screen_yes"] and answer == render(rt, language, "screen_yes_reply")


@pytest.mark.parametrize("language, body, item", [("en", "3", "cauda_equina"), ("es", "1 y 4", "cauda_equina"),
                                                  ("en", "6", "dvt"), ("es", "7", "wound")])
def test_the_numbered_check_in_routes_each_item_by_its_catalogue_tier(client, rt, fake_twilio, language, body, item):
    e = patient(rt, language)
    asked(rt, e, "redflags", NOON)
    answer = text(client, fake_twilio, body, NOON + timedelta(minutes=20))
    [esc] = rows(rt, Escalation)
    assert item in esc.flags
    if item == "cauda_equina":  # the 911 rule
        assert esc.tier == "emergency" and answer == render(rt, language, "emergency_reply")
    else:
        assert esc.tier == "urgent" and answer == render(rt, language, "urgent_reply")


@pytest.mark.parametrize("language, body", [("en", "NO"), ("en", "0"), ("es", "no"), ("es", "ninguno")])
def test_no_or_zero_means_none_of_the_items(client, rt, fake_twilio, language, body):
    e = patient(rt, language)
    asked(rt, e, "redflags", NOON)
    answer = text(client, fake_twilio, body, NOON + timedelta(minutes=20))
    assert rows(rt, Escalation) == [] and rows(rt, ReviewItem) == []
    assert answer is None  # recorded, and no thank-you for a plain NO (issue 14)


CRIES = [("en", "help me"), ("en", "please call me"), ("en", "call 911"), ("en", "im worse"),
         ("es", "ayúdenme"), ("es", "me siento mal"), ("es", "urgente"), ("es", "ayuda")]


@pytest.mark.parametrize("language, body", CRIES)
def test_a_short_cry_for_help_is_urgent_at_least(client, rt, fake_twilio, language, body):
    e = patient(rt, language)
    asked(rt, e, "pain", EVENING)
    answer = text(client, fake_twilio, body, EVENING + timedelta(minutes=5))
    [esc] = rows(rt, Escalation)
    assert esc.tier in ("urgent", "emergency") and "help_request" in esc.flags and fake_twilio.to("+12025550181")
    expected = "help" if body == "ayuda" else "emergency_reply" if esc.tier == "emergency" else "urgent_reply"
    assert answer == render(rt, language, expected)


CALL_REQUESTS = [("en", "pls call"), ("en", "please call"), ("en", "call"), ("en", "Call."), ("en", "call please"),
                 ("es", "llámenme"), ("es", "llamenme por favor"), ("es", "llamen por favor"),
                 ("es", "por favor llame")]


@pytest.mark.parametrize("language, body", CALL_REQUESTS)
def test_a_request_to_be_called_is_urgent(client, rt, fake_twilio, language, body):
    """A request for contact with no symptom named, even a bare "call", reaches a person the same day."""
    e = patient(rt, language)
    answer = text(client, fake_twilio, body, EVENING)
    [esc] = rows(rt, Escalation)
    assert (esc.tier, esc.flags, esc.enrollment_id) == ("urgent", ["help_request"], e.id)
    assert answer == render(rt, language, "urgent_reply")
    assert fake_twilio.to("+12025550181")[0].body.startswith(f"[URGENT] Patient Ana R. (enrollment {e.id}): ")


@pytest.mark.parametrize("language, body", [("en", "called the office, all good"), ("es", "llamé al doctor ayer")])
def test_saying_you_called_is_not_a_request_to_be_called(client, rt, fake_twilio, language, body):
    patient(rt, language)
    text(client, fake_twilio, body, AFTERNOON)
    assert rows(rt, Escalation) == []


@pytest.mark.parametrize("language, body", CRIES)
def test_a_short_cry_for_help_is_never_thanked_and_dropped(client, rt, fake_twilio, language, body):
    patient(rt, language)
    answer = text(client, fake_twilio, body, AFTERNOON)
    assert rows(rt, Escalation) or rows(rt, ReviewItem)
    assert answer not in (render(rt, language, "ack_message"), render(rt, language, "ack_answer"))
    assert "911" in answer


@pytest.mark.parametrize("language, body, when", [
    ("en", "the tape on my back is itchy and peeling", "today by 3 PM"),
    ("es", "la cinta de la espalda me pica y se despega", "hoy antes de las 15:00")])
def test_free_text_triage_finds_nothing_in_is_read_by_a_deadline_and_pages_when_late(
        client, rt, fake_twilio, language, body, when):
    e = patient(rt, language)
    assert classify(body, language).tier == "none"
    answer = text(client, fake_twilio, body, AFTERNOON)
    [item] = rows(rt, ReviewItem)
    assert item.reason == "free_text" and item.due_at == AFTERNOON + timedelta(hours=1)
    assert answer == render(rt, language, "review_reply", read_when=when) and "911" in answer
    with time_machine.travel(item.due_at - timedelta(minutes=1), tick=False):
        tick(rt, item.due_at - timedelta(minutes=1))
    assert rows(rt, Escalation) == []
    with time_machine.travel(item.due_at, tick=False):
        tick(rt, item.due_at)
    [late] = rows(rt, Escalation)
    assert (late.tier, late.flags) == ("routine", ["review_overdue"])
    assert rows(rt, ReviewItem)[0].escalation_id == late.id
    [page] = fake_twilio.to("+12025550181")
    assert page.body.startswith(f"[ROUTINE] Patient Ana R. (enrollment {e.id}): review_overdue")
    after = item.due_at + timedelta(minutes=15)  # then the ladder, as for urgent
    with time_machine.travel(after, tick=False):
        tick(rt, after)
    assert rows(rt, Escalation)[0].page_round == 2


@pytest.mark.parametrize("language", ["en", "es"])
def test_with_nobody_on_call_a_red_flag_reply_claims_no_alert(client, rt, fake_twilio, language):
    patient(rt, language, on_call=False)
    body = {"en": "I can't feel between my legs", "es": "no siento la entrepierna"}[language]
    answer = text(client, fake_twilio, body, EVENING)
    [esc] = rows(rt, Escalation)
    assert esc.tier == "emergency" and fake_twilio.to("+12025550181") == []
    assert answer == render(rt, language, "emergency_reply_unpaged")
    assert "alerted" not in answer and "avisamos" not in answer.lower() and "911" in answer


@pytest.mark.parametrize("language", ["en", "es"])
def test_with_someone_on_call_the_reply_says_the_team_was_alerted(client, rt, fake_twilio, language):
    patient(rt, language)
    body = {"en": "I can't feel between my legs", "es": "no siento la entrepierna"}[language]
    answer = text(client, fake_twilio, body, EVENING)
    assert answer == render(rt, language, "emergency_reply")
    assert ("We have alerted your care team" if language == "en" else "Ya avisamos a su equipo") in answer


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_yes_with_nobody_on_call_says_the_911_rule_and_claims_nothing(client, rt, fake_twilio, language):
    e = patient(rt, language, on_call=False)
    asked(rt, e, "redflags", NOON)
    answer = text(client, fake_twilio, "yes", NOON + timedelta(minutes=20))
    assert answer == render(rt, language, "screen_yes_reply_unpaged")
    assert render(rt, language, "er_rule") in answer


@pytest.mark.parametrize("language, body", [("en", "4 in my back, 8 in my hip"), ("es", "espalda 4 pierna 8")])
def test_pain_8_is_no_longer_an_instant_page_but_a_question(client, rt, fake_twilio, language, body):
    e = patient(rt, language)
    asked(rt, e, "pain", EVENING)
    answer = text(client, fake_twilio, body, EVENING + timedelta(minutes=3))
    assert answer == render(rt, language, "pain_meds_question")
    assert rows(rt, Escalation) == [] and [i.reason for i in rows(rt, ReviewItem)] == ["pain_high"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_pain_5_to_7_in_week_one_gets_advice_and_no_promise(client, rt, fake_twilio, language):
    e = patient(rt, language)
    asked(rt, e, "pain", EVENING)
    room_on(rt, e, EVENING)  # a day with room: on a day with 3 texts the advice is not sent (test_fatigue.py)
    answer = text(client, fake_twilio, "6", EVENING + timedelta(minutes=3))
    assert answer == render(rt, language, "pain_selfcare") and rows(rt, ReviewItem) == []


@pytest.mark.parametrize("language, body, tier, flag, expected", [
    ("en", "YES 2", "urgent", "neuro_deficit", "urgent_reply"),
    ("es", "sí 4", "emergency", "cauda_equina", "emergency_reply"),
    ("en", "yes", "urgent", "red_flag_screen_yes", "screen_yes_reply")])
def test_a_late_yes_with_item_numbers_after_the_pain_question_answers_the_check_in(
        client, rt, fake_twilio, language, body, tier, flag, expected):
    """A reply that starts with yes/sí has the check-in's shape, never a pain score's ("YES 2" is not pain 2)."""
    e = patient(rt, language)
    asked(rt, e, "redflags", NOON)
    asked(rt, e, "pain", EVENING)
    answer = text(client, fake_twilio, body, EVENING + timedelta(minutes=10))
    [esc] = rows(rt, Escalation)
    assert (esc.tier, esc.flags) == (tier, [flag]) and answer == render(rt, language, expected)
    with rt.session() as s:
        assert [o.kind for o in s.query(Observation)] == ["red_flag_screen"]  # no pain score recorded


@pytest.mark.parametrize("language, body, tier, flag, expected", [
    ("en", "3 yes", "emergency", "cauda_equina", "emergency_reply"),
    ("en", "I have 2", "urgent", "neuro_deficit", "urgent_reply"),
    ("es", "tengo el 2", "urgent", "neuro_deficit", "urgent_reply"),
    ("es", "tengo la 3 y la 6", "emergency", "cauda_equina", "emergency_reply"),
    ("en", "I do", "urgent", "red_flag_screen_yes", "screen_yes_reply")])
def test_the_check_in_answered_in_other_words_still_escalates(client, rt, fake_twilio, language, body, tier, flag,
                                                              expected):
    """Late in the evening a review item waits for the morning: an item named as "I have 2" or "tengo el 2"
    pages now, like "2"."""
    e = patient(rt, language)
    asked(rt, e, "redflags", NOON)
    answer = text(client, fake_twilio, body, EVENING)
    [esc] = rows(rt, Escalation)
    assert esc.tier == tier and flag in esc.flags and answer == render(rt, language, expected)


@pytest.mark.parametrize("body", ["I do my walks every day", "I have a question", "tengo una pregunta"])
def test_other_sentences_starting_like_an_answer_are_not_a_yes(client, rt, fake_twilio, body):
    e = patient(rt, "en")
    asked(rt, e, "redflags", NOON)
    text(client, fake_twilio, body, AFTERNOON)
    assert [(x.tier, x.flags) for x in rows(rt, Escalation)] == []


@pytest.mark.parametrize("language, body, when", [("en", "when can I shower?", "tomorrow by 5 PM"),
                                                  ("es", "¿cuándo me puedo bañar?", "mañana antes de las 17:00")])
def test_a_routine_question_after_closing_is_promised_for_the_next_business_day(
        client, rt, fake_twilio, language, body, when):
    patient(rt, language)
    answer = text(client, fake_twilio, body, EVENING)  # Monday 18:00, closed
    [item] = rows(rt, ReviewItem)
    assert item.reason == "routine_reply" and item.due_at == datetime(2026, 11, 24, 22, 0)  # Tuesday 17:00
    assert answer == render(rt, language, "routine_reply", read_when=when)
