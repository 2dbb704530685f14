"""The phone simulator: only without Twilio; shows the patient's texts; replies go through inbound."""
from __future__ import annotations

from sqlalchemy import select

from bot.models import Escalation, Inbound, Outbox
from tests.dashboard.conftest import add_patient, login, post


def test_simulator_is_404_when_sending_through_twilio(app, accounts, coord_client):
    assert coord_client.get("/dashboard/simulator").status_code == 404
    assert post(coord_client, "/dashboard/simulator/send-due").status_code == 404
    assert "Simulator" not in coord_client.get("/dashboard/patients").get_data(as_text=True).split("<main>")[0]


def test_next_text_then_red_flag_reply_opens_an_escalation(sim_app):
    from tests.dashboard.conftest import make_accounts

    rt = sim_app.extensions["runtime"]
    accounts = make_accounts(rt)
    client = sim_app.test_client()
    login(client, accounts.coordinator)
    ana = add_patient(rt, accounts.clinic_a, days_ago=1)
    page = f"/dashboard/simulator?patient={ana.id}"
    assert "Deliver next text now" in client.get(page).get_data(as_text=True)
    post(client, f"/dashboard/simulator/{ana.id}/next", page=page)
    with rt.session() as s:
        sent = s.scalars(select(Outbox).where(Outbox.status == "delivered")).one()
        assert sent.twilio_sid.startswith("SIM") and sent.body
    assert sent.body.split()[0] in client.get(page).get_data(as_text=True)
    post(client, f"/dashboard/simulator/{ana.id}/reply", {"body": "I have chest pain and can't breathe"}, page=page)
    with rt.session() as s:
        reply = s.scalars(select(Inbound)).one()
        assert reply.message_sid.startswith("SIM") and reply.enrollment_id == ana.id
        escalation = s.scalars(select(Escalation)).one()
        assert escalation.tier == "emergency" and escalation.status == "open"
    html = client.get(page).get_data(as_text=True)
    assert "I have chest pain and can&#39;t breathe" in html
    assert post(client, "/dashboard/simulator/send-due", {"patient": ana.id}, page=page).status_code == 302


def test_after_stop_the_simulator_says_the_number_is_opted_out(sim_app):
    from tests.dashboard.conftest import make_accounts

    rt = sim_app.extensions["runtime"]
    accounts = make_accounts(rt)
    client = sim_app.test_client()
    login(client, accounts.coordinator)
    ana = add_patient(rt, accounts.clinic_a, days_ago=1)
    page = f"/dashboard/simulator?patient={ana.id}"
    html = post(client, f"/dashboard/simulator/{ana.id}/reply", {"body": "STOP"}, page=page,
                follow_redirects=True).get_data(as_text=True)
    assert "Opted out (STOP)" in html and "Reply START to resubscribe" in html


def test_the_simulator_banner_names_the_invented_clinic_name_and_number(config):
    from bot.app import create_app
    from tests.dashboard.conftest import make_accounts

    app = create_app({**config, "SIMULATOR": True, "CLINIC_NAME": None})
    rt = app.extensions["runtime"]
    try:
        client = app.test_client()
        login(client, make_accounts(rt).coordinator)
        banner = client.get("/dashboard/patients").get_data(as_text=True)
        assert "Invented for the try-out: <code>CLINIC_NAME</code> = Your spine surgery team (set them" in banner
        assert "CLINIC_PHONE</code>" not in banner  # configured, so not invented
    finally:
        rt.dispose()
