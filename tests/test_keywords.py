"""STOP, START and HELP as whole-message keywords; "can't stop" is a symptom."""
from datetime import datetime, timedelta

import pytest

from bot.dispatch import dispatch_due
from bot.keywords import keyword
from bot.models import AuditLog, OptOut
from tests.helpers import add_coordinator, enroll, outbox, reply, sms

NOW = datetime(2026, 11, 21, 12, 0)


@pytest.mark.parametrize("body", ["STOP", "stop", " Stop. ", "STOPALL", "unsubscribe!", "Cancel", "END", "quit",
                                  "OPTOUT", "revoke"])
def test_every_opt_out_keyword(body):
    assert keyword(body, opted_out=False) == "opt_out"


@pytest.mark.parametrize("body", ["I can't stop shaking", "stop texting me please", "please stop", "STOP ALL",
                                  "end of the day pain is 5", "help me I fell"])
def test_sentences_containing_keywords_are_not_keywords(body):
    assert keyword(body, opted_out=False) is None


def test_yes_opts_in_only_when_opted_out():
    assert keyword("YES", opted_out=True) == "opt_in"
    assert keyword("yes", opted_out=False) is None
    assert keyword("start", opted_out=False) == "opt_in" and keyword("UNSTOP", opted_out=True) == "opt_in"
    assert keyword("help?", opted_out=False) == "help" and keyword("INFO", opted_out=True) == "help"


def test_stop_opts_out_cancels_future_texts_and_sends_nothing_more(client, rt, fake_twilio):
    e = enroll(rt, NOW)
    assert reply(client, fake_twilio, "STOP", "SM" + "a" * 32) is None  # Twilio confirms STOP itself
    with rt.session() as s:
        assert s.get(OptOut, e.phone) is not None
        assert s.query(AuditLog).filter_by(action="opt_out").count() == 1
    assert {r.status for r in outbox(rt, kind="pathway")} == {"cancelled"}
    dispatch_due(rt, NOW + timedelta(days=1))
    assert fake_twilio.messages == []


def test_start_opts_back_in_and_resumes_from_today(client, rt, fake_twilio):
    enroll(rt, NOW)
    sms(client, "stop", "SM" + "b" * 32)
    import time_machine
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        answer = reply(client, fake_twilio, "Start", "SM" + "c" * 32)
    assert answer.startswith("Welcome back, Ana")
    future = [r for r in outbox(rt, kind="pathway") if r.due_at > NOW + timedelta(hours=2)]
    assert future and {r.status for r in future} == {"planned"}
    with rt.session() as s:
        assert s.query(OptOut).count() == 0


def test_help_answers_with_clinic_name_phone_and_how_to_stop(client, rt, fake_twilio):
    enroll(rt, NOW, language="es")
    answer = reply(client, fake_twilio, "HELP", "SM" + "d" * 32)
    assert "Riverside Spine Center" in answer and "+12025550111" in answer and "PARAR" in answer


def test_cant_stop_shaking_is_triaged_not_an_opt_out(client, rt, fake_twilio):
    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    enroll(rt, NOW)
    answer = reply(client, fake_twilio, "I can't stop shaking", "SM" + "e" * 32)
    assert "call your surgeon's office" in answer
    with rt.session() as s:
        assert s.query(OptOut).count() == 0
    assert len(fake_twilio.to("+12025550181")) == 1


def test_opted_out_patient_red_flag_still_pages_but_gets_no_text(client, rt, fake_twilio):
    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    e = enroll(rt, NOW)
    sms(client, "STOP", "SM" + "f" * 32)
    assert reply(client, fake_twilio, "I wet myself and can't feel down there", "SM" + "a9" * 16) is None
    assert fake_twilio.to(e.phone) == []
    [page] = fake_twilio.to("+12025550181")
    assert "EMERGENCY" in page.body and "cauda_equina" in page.body


@pytest.mark.parametrize("body", ["PARAR", "parar", "Baja.", "CANCELAR", "alto", "No más"])
def test_spanish_opt_out_words_opt_out_with_a_confirmation_in_spanish(client, rt, fake_twilio, body):
    e = enroll(rt, NOW, language="es")
    answer = reply(client, fake_twilio, body, "SM" + "a1" * 16)
    assert answer == ("Ya no recibirá mensajes de Riverside Spine Center. Responda INICIO para recibirlos otra vez."
                      " Emergencias: llame al 911.")
    with rt.session() as s:
        assert s.get(OptOut, e.phone) is not None
    assert {r.status for r in outbox(rt, kind="pathway")} == {"cancelled"}
    dispatch_due(rt, NOW + timedelta(days=1))
    assert len(fake_twilio.to(e.phone)) == 1  # the confirmation, then nothing


@pytest.mark.parametrize("body", ["INICIO", "comenzar", "Sí"])
def test_spanish_start_words_opt_back_in(client, rt, fake_twilio, body):
    enroll(rt, NOW, language="es")
    sms(client, "PARAR", "SM" + "b1" * 16)
    answer = reply(client, fake_twilio, body, "SM" + "c1" * 16)
    assert answer.startswith("Qué bueno que regresó, Ana")
    with rt.session() as s:
        assert s.query(OptOut).count() == 0


def test_ayuda_is_help_in_spanish_and_from_a_patient_a_request_for_help(client, rt, fake_twilio):
    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    enroll(rt, NOW, language="es")
    answer = reply(client, fake_twilio, "AYUDA", "SM" + "d1" * 16)
    assert answer == rt.library.render("es", "help", {"clinic_name": "Riverside Spine Center",
                                                      "clinic_phone": "+12025550111"})
    assert "Vaya a urgencias ya o llame al 911" in answer
    assert "[URGENT]" in fake_twilio.to("+12025550181")[0].body


def test_ayuda_from_an_unknown_number_is_answered_in_spanish(client, rt, fake_twilio):
    answer = reply(client, fake_twilio, "ayuda", "SM" + "e1" * 16, sender="+12025550177")
    assert answer.startswith("Riverside Spine Center: mensajes tras su cirugía de espalda.")


def test_keyword_words_in_both_languages():
    from bot.keywords import keyword_lang

    assert keyword_lang("PARAR", False) == ("opt_out", "es") and keyword_lang("STOP", False) == ("opt_out", "en")
    assert keyword_lang("inicio", False) == ("opt_in", "es") and keyword_lang("SI", True) == ("opt_in", "es")
    assert keyword_lang("si", False) == (None, "en")  # an answer unless opted out
    assert keyword_lang("¡Ayuda!", False) == ("help", "es")
    assert keyword_lang("no puedo parar de temblar", False) == (None, "en")
