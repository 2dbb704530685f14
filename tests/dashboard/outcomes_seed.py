"""Seeded outcomes for one clinic (tests and screenshots): three patients, four weeks of check-ins
and pain scores, escalations with known acknowledgement times, review items on time and late, one
opt-out. Invented people and +1 202 555 01xx numbers only."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.models import Enrollment, Escalation, Observation, OptOut, Outbox, ReviewItem
from tests.dashboard.conftest import add_patient


def seed(rt, clinic_id: int, now: datetime) -> list[int]:
    surgery = (now - timedelta(days=27)).date()
    ids = []
    for i, (name, phone) in enumerate([("Ana", "+12025550143"), ("Luis", "+12025550144"), ("Mei", "+12025550145")]):
        patient = add_patient(rt, clinic_id, phone=phone, name=name, days_ago=27)
        ids.append(patient.id)
        with rt.session() as s:
            s.get(Enrollment, patient.id).created_at = datetime.combine(surgery, datetime.min.time())
            for week in range(4):  # one pain question a week: answered by all in weeks 1-2, by one after
                day = week * 7 + 2
                at = datetime.combine(surgery + timedelta(days=day), datetime.min.time()) + timedelta(hours=15)
                answered = week < 2 or i == 0
                s.add(Outbox(key=f"seed:{patient.id}:{week}", enrollment_id=patient.id, to_phone=phone,
                             kind="pathway", expects="pain_score", body="How is your pain, 0-10?", day=day,
                             due_at=at, sent_at=at, status="delivered", answered_at=at if answered else None))
                if answered:
                    s.add(Observation(enrollment_id=patient.id, kind="pain", value=str(7 - week + i),
                                      observed_at=at + timedelta(minutes=5)))
    with rt.session() as s:
        for n, (tier, minutes) in enumerate([("emergency", 2), ("emergency", 6), ("urgent", 12), ("urgent", 30)]):
            opened = now - timedelta(days=10 - n)
            s.add(Escalation(code=f"SEED{n}", enrollment_id=ids[n % 3], clinic_id=clinic_id, tier=tier,
                             flags=["seed"], evidence=[], status="resolved", created_at=opened,
                             acknowledged_by="Dana Whitfield", acknowledged_at=opened + timedelta(minutes=minutes),
                             resolved_by="Dana Whitfield", resolved_at=opened + timedelta(hours=1),
                             resolution_note="seeded"))
        for n, late in enumerate([False, False, False, True]):
            due = now - timedelta(days=3 + n)
            s.add(ReviewItem(enrollment_id=ids[n % 3], reason="routine_reply", created_at=due - timedelta(hours=2),
                             due_at=due, resolved_at=due + timedelta(hours=5 if late else -1),
                             resolved_by="Dana Whitfield"))
        s.add(OptOut(phone="+12025550145", source="sms"))
    return ids


def surgery_day(now: datetime) -> date:
    return (now - timedelta(days=27)).date()
