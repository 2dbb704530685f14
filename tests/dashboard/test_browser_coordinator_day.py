"""Issue 16 in headless Debian Chromium: editing the on-call schedule, an escalation paging the person
on shift (time controlled), the call fallback recorded on the card, finding a patient by last name
and date of birth, the zone label on times."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from playwright.sync_api import expect

from bot import oncall
from bot.clinics import clinic_by_name
from bot.jobs import tick
from bot.models import Clinic
from bot.timeutil import utcnow
from tests.dashboard.conftest import add_patient, add_reply, make_accounts
from tests.dashboard.test_browser import browser, log_in, page, server  # noqa: F401 (fixtures)
from tests.helpers import add_coordinator

CLINIC = "Riverside Spine Center"


def _next_tuesday_night() -> datetime:
    """22:00 in Chicago on the coming Tuesday, as naive UTC: in the future, so the browser keeps the
    session cookie the travelled server sets."""
    local = datetime.now(ZoneInfo("America/Chicago")).replace(hour=22, minute=0, second=0, microsecond=0)
    local += timedelta(days=(1 - local.weekday()) % 7 or 7)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _team(rt) -> dict[str, int]:
    ids = {name: add_coordinator(rt, name, phone, rank, clinic=CLINIC).id for name, phone, rank in [
        ("Nora Nurse", "+12025550181", 1), ("Paul Provider", "+12025550182", None),
        ("Bea Backup", "+12025550183", None)]}
    with rt.session() as s:
        clinic = clinic_by_name(s, CLINIC, create=False)
        clinic.settings = {"timezone": "America/Chicago"}
        oncall.add_shift(s, clinic, {"name": "Weekday nurse line", "days": "01234", "starts": "08:00",
                                     "ends": "17:00", "ladder": [ids["Nora Nurse"]]}, "test")
        oncall.add_shift(s, clinic, {"name": "Nights and weekends", "days": "0123456", "starts": "17:00",
                                     "ends": "08:00", "ladder": [ids["Paul Provider"], ids["Bea Backup"]]}, "test")
    return ids


def test_an_admin_edits_the_on_call_schedule(server, page):  # noqa: F811
    base, rt = server
    accounts = make_accounts(rt)
    for name, phone in [("Nora Nurse", "+12025550181"), ("Dana Whitfield", "+12025550184")]:
        add_coordinator(rt, name, phone, None, clinic=CLINIC)
    log_in(page, base, accounts.admin)
    page.get_by_role("link", name="On call").click()
    expect(page.get_by_role("heading", name=f"On call at {CLINIC}")).to_be_visible()
    form = page.get_by_role("form", name="Add a shift")
    form.get_by_label("Shift name").fill("Weekday nurse line")
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri"):
        form.get_by_label(day).check()
    form.get_by_label("Starts").fill("08:00")
    form.get_by_label("Ends").fill("17:00")
    form.get_by_label("Paged 1st").select_option(label="Nora Nurse")
    form.get_by_role("button", name="Add shift").click()
    row = page.locator("table.shifts tr", has_text="Weekday nurse line")
    expect(row).to_contain_text("Mon-Fri")
    expect(row).to_contain_text("08:00-17:00")
    expect(row).to_contain_text("1. Nora Nurse")

    override = page.get_by_role("form", name="Add an override")
    override.get_by_label("Covering").select_option(label="Dana Whitfield")
    start = datetime.now(ZoneInfo("America/New_York")) - timedelta(hours=1)
    override.get_by_label("From").fill(start.strftime("%Y-%m-%dT%H:%M"))
    override.get_by_label("Until").fill((start + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M"))
    override.get_by_label("Note").fill("Dana covers tonight")
    override.get_by_role("button", name="Add override").click()
    expect(page.locator("table.overrides")).to_contain_text("Dana covers tonight")
    now = page.get_by_role("region", name="On call now")
    expect(now).to_contain_text("Dana Whitfield")
    expect(now).to_contain_text('the override "Dana covers tonight"')

    page.get_by_role("button", name="Remove Weekday nurse line").click()
    expect(page.locator("table.shifts")).not_to_contain_text("Weekday nurse line")
    assert page.dialogs == []


def test_a_night_escalation_pages_the_provider_on_shift_and_the_call_is_on_the_card(server, page):  # noqa: F811
    base, rt = server
    night = _next_tuesday_night()
    with time_machine.travel(night, tick=True) as clock:
        accounts = make_accounts(rt)
        _team(rt)
        ana = add_patient(rt, accounts.clinic_a, name="Ana", last_name="Reyes", date_of_birth="1961-04-12",
                          timezone="America/Chicago")
        log_in(page, base, accounts.coordinator)
        page.goto(f"{base}/dashboard/simulator?patient={ana.id}")
        page.get_by_label("Reply as Ana").fill("I have chest pain and can't breathe")
        page.get_by_role("button", name="Send reply").click()
        expect(page.get_by_text("opened an emergency escalation")).to_be_visible()
        provider = page.locator(".coordinator-phone", has_text="Paul Provider's phone")
        expect(provider.locator(".bubble", has_text="[EMERGENCY] Patient Ana R.")).to_be_visible()
        expect(page.locator(".coordinator-phone", has_text="Nora Nurse's phone")).to_contain_text("No pages.")

        clock.shift(timedelta(minutes=5))  # nobody acknowledged: the next rung, with a call
        tick(rt, utcnow())
        page.reload()
        backup = page.locator(".coordinator-phone", has_text="Bea Backup's phone")
        expect(backup.locator(".bubble", has_text="Incoming call: emergency page")).to_be_visible()
        backup.get_by_role("button", name="Answer and press 1").click()
        expect(page.get_by_text("Bea Backup's phone: Acknowledged by Bea Backup")).to_be_visible()

        page.get_by_role("link", name="Escalations").click()
        page.locator("article.esc", has_text="Ana Reyes").get_by_role("link", name="Ana Reyes").click()
        history = page.locator("table.paging")
        expect(history.locator("tr", has_text="Paul Provider")).to_contain_text("text")
        call = history.locator("tr", has_text="phone call")
        expect(call).to_contain_text("Bea Backup")
        expect(call).to_contain_text("pressed 1 at")
        expect(page.locator("dl.facts")).to_contain_text("Bea Backup")
    assert page.dialogs == []


def test_find_a_patient_by_last_name_and_date_of_birth(server, page):  # noqa: F811
    base, rt = server
    accounts = make_accounts(rt)
    add_patient(rt, accounts.clinic_a, name="Ana", phone="+12025550143", last_name="Reyes",
                date_of_birth="1961-04-12", record_number="MRN-0042")
    add_patient(rt, accounts.clinic_a, name="Ana", phone="+12025550144", last_name="Reyes",
                date_of_birth="1979-10-02")
    add_patient(rt, accounts.clinic_a, name="Luis", phone="+12025550145", last_name="Moreno",
                date_of_birth="1961-04-12")
    log_in(page, base, accounts.coordinator)
    page.get_by_label("Search patients").fill("reyes 04/12/1961")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.roster tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ana Reyes")
    expect(rows.first).to_contain_text("1961-04-12")
    expect(rows.first).to_contain_text("MRN-0042")


def test_times_carry_the_clinic_zone_and_the_patients_own(server, page):  # noqa: F811
    base, rt = server
    accounts = make_accounts(rt)
    with rt.session() as s:
        s.get(Clinic, accounts.clinic_a).settings = {"timezone": "America/Chicago"}
    ana = add_patient(rt, accounts.clinic_a, timezone="America/New_York")
    add_reply(rt, ana, "my back is sore today", at=datetime(2026, 11, 30, 19, 22), sid="SMzone1")
    log_in(page, base, accounts.coordinator)
    page.goto(f"{base}/dashboard/patients/{ana.id}")
    message = page.locator(".msg", has_text="my back is sore today")
    expect(message).to_contain_text("Nov 30 13:22 CST (patient 14:22 EST)")


def test_the_outcomes_page_draws_its_charts_from_seeded_data(server, page):  # noqa: F811
    from tests.dashboard.outcomes_seed import seed

    base, rt = server
    accounts = make_accounts(rt)
    seed(rt, accounts.clinic_a, utcnow())
    log_in(page, base, accounts.coordinator)
    page.get_by_role("link", name="Outcomes").click()
    response = page.locator("#response-chart svg")
    expect(response).to_have_attribute("aria-label", "response rate to check-ins by post-operative week, weeks 1-4")
    expect(response.locator("rect.bar")).to_have_count(4)
    heights = response.locator("rect.bar").evaluate_all("bars => bars.map(b => b.getBBox().height)")
    assert heights[0] == heights[1] > heights[2] == heights[3] > 0  # 100%, 100%, 33%, 33%
    pain = page.locator("#pain-chart svg")
    expect(pain.locator("rect.spread")).to_have_count(4)
    expect(pain.locator("circle.dot")).to_have_count(4)
    assert pain.bounding_box()["width"] > 300
    expect(page.get_by_label("Outcome numbers")).to_contain_text("review items answered on time (3 of 4)")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert "response_rate,week 1,1.0,3" in open(download.value.path()).read()
