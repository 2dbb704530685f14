"""The roster: day, last reply, pain and its trend, escalations, response rate, flags; search and
filters; a fixed number of queries per page however many patients there are."""
from __future__ import annotations

import time

from sqlalchemy import event

from bot.models import Enrollment, OptOut
from tests.dashboard.conftest import add_escalation, add_pain, add_patient, add_question, add_reply


def test_roster_shows_each_patients_recovery(rt, accounts, coord_client):
    ana = add_patient(rt, accounts.clinic_a, name="Ana", days_ago=5)
    add_pain(rt, ana, [7, 6, 6, 5, 4])
    add_reply(rt, ana, "4")
    add_question(rt, ana, "q1", answered=True)
    add_question(rt, ana, "q2", answered=True)
    add_question(rt, ana, "q3", answered=False)
    add_question(rt, ana, "q4", answered=False, status="planned")  # not asked yet: does not count
    add_escalation(rt, ana)
    html = coord_client.get("/dashboard/patients").get_data(as_text=True)
    row = html.split(f"#{ana.id}")[1].split("</tr>")[0]
    assert 'data-label="Day">5<' in row
    assert 'class="pain p4">4<' in row
    assert "<svg class=\"spark\"" in row and "7, 6, 6, 5, 4" in row
    assert "1 open" in row
    assert "67%" in row and "2 of 3 questions answered" in row
    assert "s ago" in row  # last reply seconds ago


def test_flags_for_opted_out_and_bad_numbers(rt, accounts, coord_client):
    ana = add_patient(rt, accounts.clinic_a, name="Ana", phone="+12025550143")
    bo = add_patient(rt, accounts.clinic_a, name="Bo", phone="+12025550144")
    add_patient(rt, accounts.clinic_a, name="Cy", phone="+12025550145")
    with rt.session() as s:
        s.add(OptOut(phone=ana.phone, source="sms"))
        s.get(Enrollment, bo.id).phone_problem = "Twilio 21211: number cannot receive texts"
    html = coord_client.get("/dashboard/patients?flagged=1").get_data(as_text=True)
    assert "opted out" in html and "bad number" in html
    assert ">Ana<" in html and ">Bo<" in html and ">Cy<" not in html


def test_search_by_name_id_and_last_digits_and_filter_by_escalation(rt, accounts, coord_client):
    ana = add_patient(rt, accounts.clinic_a, name="Anabel", phone="+12025550143")
    bo = add_patient(rt, accounts.clinic_a, name="Boris", phone="+12025550177")
    add_escalation(rt, bo)
    assert ">Anabel<" in coord_client.get("/dashboard/patients?q=nab").get_data(as_text=True)
    by_id = coord_client.get(f"/dashboard/patients?q=%23{bo.id}").get_data(as_text=True)
    assert ">Boris<" in by_id and ">Anabel<" not in by_id
    by_digits = coord_client.get("/dashboard/patients?q=0177").get_data(as_text=True)
    assert ">Boris<" in by_digits and ">Anabel<" not in by_digits
    escalated = coord_client.get("/dashboard/patients?open=1").get_data(as_text=True)
    assert ">Boris<" in escalated and ">Anabel<" not in escalated
    with rt.session() as s:
        s.get(Enrollment, ana.id).status = "paused"
    assert ">Anabel<" not in coord_client.get("/dashboard/patients?status=active").get_data(as_text=True)
    assert ">Anabel<" in coord_client.get("/dashboard/patients?status=paused").get_data(as_text=True)
    assert "No patients match" in coord_client.get("/dashboard/patients?q=%25").get_data(as_text=True)  # % is literal


def _count_queries(rt, client, path: str) -> int:
    seen = []
    listener = lambda *args: seen.append(1)  # noqa: E731
    event.listen(rt.engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(rt.engine, "before_cursor_execute", listener)
    return len(seen)


def test_query_count_does_not_grow_with_patients(rt, accounts, coord_client):
    def grow(n: int, start: int):
        for i in range(n):
            p = add_patient(rt, accounts.clinic_a, name=f"P{start + i}", phone=f"+1202555{start + i:04d}")
            add_pain(rt, p, [5, 4])
            add_reply(rt, p, "ok", sid=f"SMq{start + i}")
            add_question(rt, p, f"q{start + i}", answered=True)

    grow(2, 100)
    few = _count_queries(rt, coord_client, "/dashboard/patients")
    grow(12, 110)
    many = _count_queries(rt, coord_client, "/dashboard/patients")
    assert many == few


def test_roster_of_three_thousand_patients_renders_fast(rt, accounts, coord_client):
    from datetime import date, timedelta

    from bot.db import bulk_insert
    from bot.models import Observation
    from bot.timeutil import utcnow

    now = utcnow()
    with rt.session() as s:
        bulk_insert(s, Enrollment, [dict(clinic_id=accounts.clinic_a, first_name=f"Pat{i}", phone=f"+1202555{i:04d}",
                                         surgery_date=date.today() - timedelta(days=i % 80), timezone="America/Chicago",
                                         language="en", pathway="lumbar-fusion", status="active",
                                         planned_through_day=0, created_at=now, updated_at=now)
                                    for i in range(3000)])
        ids = [e.id for e in s.query(Enrollment.id)]
        bulk_insert(s, Observation, [dict(enrollment_id=eid, kind="pain", value=str(k % 11),
                                          observed_at=now - timedelta(days=k)) for eid in ids for k in range(5)])
    started = time.perf_counter()
    html = coord_client.get("/dashboard/patients").get_data(as_text=True)
    elapsed = time.perf_counter() - started
    assert "Page 1 of 30" in html
    assert elapsed < 2.0, f"roster took {elapsed:.2f}s"
    started = time.perf_counter()
    coord_client.get("/dashboard/patients?q=Pat299&flagged=1&open=1")
    assert time.perf_counter() - started < 2.0
