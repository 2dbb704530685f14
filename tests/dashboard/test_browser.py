"""End to end in headless Debian Chromium: log in, enroll, see the first text in the simulator, reply
with a red flag, see and acknowledge the escalation; escaping in a real browser; the roster on a phone."""
from __future__ import annotations

import os
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from bot.models import Escalation, Outbox
from tests.dashboard.conftest import PASSWORD, add_escalation, add_pain, add_patient, add_reply, make_accounts

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

if not Path(CHROMIUM).exists():
    if os.environ.get("REQUIRE_BROWSER"):
        raise RuntimeError(f"REQUIRE_BROWSER is set but {CHROMIUM} is missing (apt-get install chromium)")
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


@pytest.fixture
def server(sim_app):
    sim_app.config["DASHBOARD_REFRESH_SECONDS"] = 1
    httpd = make_server("127.0.0.1", 0, sim_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", sim_app.extensions["runtime"]
    httpd.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/dashboard/patients")
    expect(page.get_by_role("heading", name="Care team log in")).to_be_visible()  # redirected to /login
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()


def test_enroll_first_text_red_flag_escalation_acknowledged(server, page):
    base, rt = server
    accounts = make_accounts(rt)
    log_in(page, base, accounts.coordinator)

    page.get_by_role("link", name="Enroll", exact=True).first.click()
    page.get_by_label("First name").fill("Rosalind")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Date of birth").fill("1958-03-14")
    page.get_by_label("Mobile phone").fill("202 555 0143")
    page.get_by_label("Surgery date").fill((date.today() - timedelta(days=1)).isoformat())
    page.get_by_label("Time zone").fill("America/Chicago")
    page.get_by_role("button", name="Enroll").click()
    expect(page.get_by_text("Rosalind Okafor is enrolled")).to_be_visible()

    page.get_by_role("link", name="Simulator").click()
    expect(page.get_by_text("Rosalind's phone")).to_be_visible()
    page.get_by_role("button", name="Deliver next text now").click()
    with rt.session() as s:
        first = s.scalars(select(Outbox).where(Outbox.status == "delivered")).one()
    expect(page.locator(".phone .bubble").first).to_have_text(first.body)

    page.get_by_label("Reply as Rosalind").fill("I have chest pain and can't breathe")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".phone .bubble", has_text="I have chest pain and can't breathe")).to_be_visible()
    expect(page.get_by_text("opened an emergency escalation")).to_be_visible()

    page.get_by_role("link", name="Escalations").click()
    open_queue = page.locator(".queue-open")
    card = open_queue.locator("article.esc", has_text="Rosalind")
    expect(card).to_be_visible()
    expect(card.locator(".badge", has_text="emergency")).to_be_visible()
    expect(card).to_contain_text("I have chest pain and can't breathe")
    expect(card).to_contain_text("next page in")
    card.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("acknowledged by Sam Ortega: paging stopped")).to_be_visible()
    expect(open_queue.locator("article.esc")).to_have_count(0)
    expect(page.locator(".queue-acknowledged article.esc", has_text="Rosalind")).to_be_visible()
    with rt.session() as s:
        assert s.scalars(select(Escalation)).one().acknowledged_by == "Sam Ortega"

    # The queue refreshes itself: a new escalation appears without a reload.
    ana = add_patient(rt, accounts.clinic_a, name="Ana", phone="+12025550144")
    add_escalation(rt, ana, tier="urgent", code="NEW555")
    expect(open_queue.locator("article.esc", has_text="NEW555")).to_be_visible(timeout=8_000)
    assert page.dialogs == []


def test_stored_xss_in_a_reply_is_shown_as_text(server, page):
    base, rt = server
    accounts = make_accounts(rt)
    ana = add_patient(rt, accounts.clinic_a, name="Ana")
    attacks = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
    inbound = add_reply(rt, ana, attacks[0], sid="SMxss1")
    add_reply(rt, ana, attacks[1], sid="SMxss2")
    add_escalation(rt, ana, inbound_id=inbound)
    log_in(page, base, accounts.coordinator)
    for path in (f"/dashboard/patients/{ana.id}", "/dashboard/escalations", f"/dashboard/simulator?patient={ana.id}"):
        page.goto(base + path)
        for attack in attacks[: 1 if "escalations" in path else 2]:
            expect(page.get_by_text(attack, exact=True).first).to_be_visible()
        assert page.locator("main script, main img").count() == 0
        html = page.content()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    page.wait_for_timeout(300)
    assert page.dialogs == []


def test_roster_fits_a_phone_screen(server, browser):
    base, rt = server
    accounts = make_accounts(rt)
    for i, name in enumerate(["Maximiliano-Alejandro", "Bo", "Cy"]):
        patient = add_patient(rt, accounts.clinic_a, name=name, phone=f"+120255501{50 + i}", days_ago=4 + i)
        add_pain(rt, patient, [8, 7, 7, 6, 5, 5, 4][: 3 + i * 2])
        add_reply(rt, patient, "5", sid=f"SMphone{i}")
    add_escalation(rt, patient, tier="emergency")
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    log_in(page, base, accounts.coordinator)
    expect(page.get_by_role("link", name="Maximiliano-Alejandro")).to_be_visible()
    for path in ("/dashboard/patients", f"/dashboard/patients/{patient.id}", "/dashboard/escalations"):
        page.goto(base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a 375px screen"
    assert page.evaluate("document.querySelector('meta[name=viewport]').content").startswith("width=device-width")
    context.close()
