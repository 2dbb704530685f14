"""bot/messages.py: the one way to build a text's placeholder values and to render it."""
from datetime import datetime

from bot.messages import render, values_for
from bot.models import Clinic, Enrollment
from tests.helpers import enroll

NOW = datetime(2026, 11, 25, 3, 0)  # 22:00 on the 24th in New York


def test_a_patients_values_count_the_day_in_their_own_zone_and_name_their_clinic(rt):
    ana = enroll(rt, NOW, surgery_date="2026-11-20")
    with rt.session() as s:
        patient = s.get(Enrollment, ana.id)
        assert render(rt, "en", "opt_in_confirm", patient, NOW).startswith("Welcome back, Ana.")
        values = values_for(rt, patient, datetime(2026, 11, 24).date())
        assert (values["day"], values["week"], values["clinic_name"]) == (4, 1, "Riverside Spine Center")
        patient.clinic = Clinic(name="Hillcrest Orthopedics", phone="+12025550112", settings={})
        text = render(rt, "en", "help", patient, NOW)
    assert text.startswith("Hillcrest Orthopedics: recovery texts") and "Call +12025550112." in text


def test_without_a_patient_the_deployments_clinic_is_named_and_extra_values_win(rt):
    assert values_for(rt, None) == {"first_name": "", "clinic_name": "Riverside Spine Center",
                                    "clinic_phone": "+12025550111"}
    page = render(rt, "en", "page", tier="URGENT", first_name="Ana R.", enrollment_id=7, flags="fever",
                  code="ABC234", link="")
    assert page == "[URGENT] Patient Ana R. (enrollment 7): fever. Reply ACK ABC234 to acknowledge. "


def test_without_a_name_no_text_has_an_empty_name_in_it(rt):
    """A text to an unknown number has no first name: 'This could be an emergency', never
    ', this could be...' or 'Thank you, .' (issue 15)."""
    for language, messages in rt.library.content.items():
        for key, message in messages.items():
            if "first_name" not in message.placeholders or key == "page":
                continue
            values = {name: "X" for name in message.placeholders if name != "first_name"}
            text = render(rt, language, key, **values)
            assert text[:1].isupper() or not text[:1].isalpha(), (language, key, text)
            for bad in (", ,", " ,", ", .", " .", "  "):
                assert bad not in text, (language, key, text)
            assert not text.startswith((",", " ")), (language, key, text)
    assert render(rt, "en", "emergency_reply").startswith("This could be an emergency. Call 911 now.")
    assert render(rt, "es", "emergency_reply").startswith("Esto puede ser una emergencia.")
    assert render(rt, "en", "ack_message") == "Thank you. We got your message."
    assert render(rt, "en", "ack_message", first_name="Ana") == "Thank you, Ana. We got your message."
