"""The outcomes page and its CSV, from seeded numbers: response rate and median pain by post-op
week, escalations per 100 patient-weeks and time to acknowledge, review items on time, opt-outs."""
from __future__ import annotations

import csv
import io

from bot import outcomes
from bot.timeutil import utcnow
from tests.dashboard.outcomes_seed import seed


def test_outcomes_are_computed_from_the_clinics_own_records(rt, accounts):
    now = utcnow()
    seed(rt, accounts.clinic_a, now)
    with rt.session() as s:
        o = outcomes.compute(s, accounts.clinic_a, now)
        other = outcomes.compute(s, accounts.clinic_b, now)
    assert o.patients == 3 and other.patients == 0 and other.escalations == {}
    assert o.response == {1: (3, 3), 2: (3, 3), 3: (1, 3), 4: (1, 3)}
    assert o.pain[1][1] == 8 and o.pain[1][0] == 7.5 and o.pain[1][2] == 8.5  # Ana 7, Luis 8, Mei 9
    assert o.pain[4] == (4, 4, 4, 1)
    assert round(o.patient_weeks, 1) == round(3 * 27 / 7, 1)
    assert o.escalations == {"emergency": 2, "urgent": 2}
    assert o.per_100_weeks(2) == round(200 / (3 * 27 / 7), 1)
    assert o.ack_minutes["emergency"] == (4.0, 5.6, 2) and o.ack_minutes["urgent"] == (21.0, 28.2, 2)
    assert o.review_on_time == (3, 4) and o.opted_out == 1


def test_the_page_draws_the_charts_and_the_csv_has_the_same_numbers(rt, accounts, coord_client):
    seed(rt, accounts.clinic_a, utcnow())
    html = coord_client.get("/dashboard/outcomes").get_data(as_text=True)
    assert html.count('<rect class="bar"') == 4 and html.count('<rect class="spread"') == 4
    assert "response rate to check-ins by post-operative week" in html and "median pain by post-operative week" in html
    assert "75%" in html and "review items answered on time (3 of 4)" in html
    assert "<script>" not in html.split("<main>")[1]
    response = coord_client.get("/dashboard/outcomes.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["metric", "group", "value", "count"]
    assert ["response_rate", "week 3", "0.333", "3"] in rows and ["pain_median", "week 1", "8.0", "3"] in rows
    assert ["ack_minutes_p90", "emergency", "5.6", "2"] in rows and ["review_on_time_rate", "all", "0.75", "4"] in rows
    assert ["opted_out", "patients", "1", "3"] in rows
