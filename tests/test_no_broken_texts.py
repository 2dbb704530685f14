"""A configuration that cannot send broken texts: with no clinic number set, the simulator uses an
invented one (never "your surgeon's office", and never English inside a Spanish text)."""
from __future__ import annotations

from datetime import datetime

import pytest

from bot.app import create_app
from bot.dispatch import dispatch_urgent
from bot.inbound import process_and_send
from tests.helpers import enroll, outbox, sms

NOW = datetime(2026, 11, 23, 15, 0)


@pytest.fixture
def sim_rt_client(config):
    app = create_app({**config, "SIMULATOR": True, "CLINIC_PHONE": None, "CLINIC_NAME": None})
    rt = app.extensions["runtime"]
    rt.kick_urgent = lambda: dispatch_urgent(rt)
    rt.kick_inbound = lambda: process_and_send(rt)
    yield rt, app.test_client()
    rt.dispose()


@pytest.mark.parametrize("language, word", [("es", "AYUDA"), ("en", "HELP")])
def test_help_without_clinic_settings_carries_the_invented_number_in_the_patients_language(
        sim_rt_client, language, word):
    rt, client = sim_rt_client
    enroll(rt, NOW, language=language)
    assert sms(client, word, "SM" + "7" * 32).status_code == 200
    process_and_send(rt)
    [answer] = [row.body for row in outbox(rt, kind="reply")]
    assert "+12025550199" in answer and "Your spine surgery team" in answer
    assert "surgeon" not in answer and "None" not in answer
    if language == "es":
        assert "Call" not in answer and "office" not in answer
