"""PEG-3 and PHQ-2 by text (issue 14): one item per text, each answer stored, the round's score stored
and shown on the patient page; a positive PHQ-2 (3 or more) goes to the review queue and the patient
gets the 988 line. A plain in-range answer gets no thank-you (at most 3 texts a day)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from bot import pathways
from bot.models import Observation, Outbox, ReviewItem
from tests.helpers import enroll, reply

NOW = datetime(2026, 9, 17, 18, 0)  # 14:00 in New York, day 16 of a surgery on 2026-09-01


@pytest.fixture
def config(config):
    return {**config, "CONTENT_DIR": str(pathways.ROOT)}


@pytest.fixture
def patient(rt):
    with time_machine.travel(NOW - timedelta(days=16), tick=False):
        return enroll(rt, NOW - timedelta(days=16), surgery_date="2026-09-01")


def ask(rt, patient, content_key: str, at: datetime) -> int:
    with rt.session() as s:
        row = Outbox(key=f"q:{content_key}:{at.isoformat()}", enrollment_id=patient.id, to_phone=patient.phone,
                     kind="pathway", step=content_key.replace("_", "-"), content_key=content_key,
                     expects="score", body=content_key, due_at=at, status="sent", sent_at=at)
        s.add(row)
        s.flush()
        return row.id


def answer(client, rt, fake_twilio, patient, key: str, body: str, at: datetime, sid: str) -> str | None:
    ask(rt, patient, key, at)
    with time_machine.travel(at + timedelta(minutes=10), tick=False):
        return reply(client, fake_twilio, body, sid)


def observations(rt) -> dict[str, str]:
    with rt.session() as s:
        return {o.kind: o.value for o in s.query(Observation)}


def test_peg3_items_are_stored_and_scored_without_thank_yous(client, rt, fake_twilio, patient):
    assert answer(client, rt, fake_twilio, patient, "peg_pain", "6", NOW, "SM" + "1" * 32) is None
    assert answer(client, rt, fake_twilio, patient, "peg_enjoyment", "4", NOW + timedelta(hours=1),
                  "SM" + "2" * 32) is None
    assert answer(client, rt, fake_twilio, patient, "peg_activity", "5", NOW + timedelta(hours=2),
                  "SM" + "3" * 32) is None
    assert observations(rt) == {"peg_pain": "6", "peg_enjoyment": "4", "peg_activity": "5", "peg": "5"}
    with rt.session() as s:
        assert s.query(ReviewItem).count() == 0


def test_a_negative_phq2_is_scored_and_not_queued(client, rt, fake_twilio, patient):
    answer(client, rt, fake_twilio, patient, "phq_interest", "1", NOW, "SM" + "4" * 32)
    assert answer(client, rt, fake_twilio, patient, "phq_mood", "1", NOW + timedelta(hours=2), "SM" + "5" * 32) is None
    assert observations(rt)["phq2"] == "2"
    with rt.session() as s:
        assert s.query(ReviewItem).count() == 0


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_positive_phq2_goes_to_the_review_queue_with_the_988_line(client, rt, fake_twilio, patient, language):
    with rt.session() as s:
        s.get(type(patient), patient.id).language = language
    answer(client, rt, fake_twilio, patient, "phq_interest", "2", NOW, "SM" + "6" * 32)
    said = answer(client, rt, fake_twilio, patient, "phq_mood", "1", NOW + timedelta(hours=2), "SM" + "7" * 32)
    assert observations(rt)["phq2"] == "3"
    assert "988" in said and "911" in said
    with rt.session() as s:
        [item] = s.query(ReviewItem).all()
        assert item.reason == "phq2_positive"


def test_an_out_of_range_number_is_not_taken_as_an_item(client, rt, fake_twilio, patient):
    said = answer(client, rt, fake_twilio, patient, "phq_mood", "7", NOW, "SM" + "8" * 32)
    assert "phq_mood" not in observations(rt) and said is not None  # a person reads it


def test_scores_show_on_the_patient_page_beside_pain(client, rt, fake_twilio, patient):
    from bot.web.dashboard.patient import scores_view
    for i, (key, value) in enumerate([("peg_pain", "6"), ("peg_enjoyment", "4"), ("peg_activity", "5"),
                                      ("phq_interest", "3"), ("phq_mood", "2")]):
        answer(client, rt, fake_twilio, patient, key, value, NOW + timedelta(hours=i), f"SM{i:032d}")
    with rt.session() as s, client.application.app_context():
        view = scores_view(s, patient.id)
    assert "<svg" in str(view["peg_chart"]) and [v for _, v in view["phq2"]] == [5.0]


def test_the_month6_check_in_is_a_pathway_setting(rt):
    from bot.models import Enrollment
    from bot.planner import planned_texts

    with time_machine.travel(NOW, tick=False):
        e = enroll(rt, NOW, surgery_date="2026-09-01", phone="+12025550149")
    with rt.session() as s:
        e = s.get(Enrollment, e.id)
        pathway = rt.library.pathways[e.pathway]
        quiet = rt.settings.quiet_hours
        off = {t.step.message for t in planned_texts(e, rt.library, pathway.settings, quiet, 80, 200)}
        on = planned_texts(e, rt.library, {**pathway.settings, "month6_checkin": True}, rt.settings.quiet_hours,
                           80, 200)
    assert "month6_hello" not in off and max(t.day for t in on) == 183
    assert [t.step.message for t in on if t.day >= 182] == ["month6_hello", "peg_pain", "peg_enjoyment",
                                                            "peg_activity", "checkin_pain"]
