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
    assert {r.status for r in outbox(rt, kind="programme")} == {"cancelled"}
    dispatch_due(rt, NOW + timedelta(days=1))
    assert fake_twilio.messages == []


def test_start_opts_back_in_and_resumes_from_today(client, rt, fake_twilio):
    enroll(rt, NOW)
    sms(client, "stop", "SM" + "b" * 32)
    import time_machine
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        answer = reply(client, fake_twilio, "Start", "SM" + "c" * 32)
    assert answer.startswith("Welcome back, Ana")
    future = [r for r in outbox(rt, kind="programme") if r.due_at > NOW + timedelta(hours=2)]
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
