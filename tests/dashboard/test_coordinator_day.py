"""A coordinator's day: the escalation card tells the whole story (pages, calls, acknowledgement),
the simulator shows coordinators' phones and takes their ACK, an open emergency pauses the routine
pathway, and a review item can be answered (through the outbox, shown in the thread) or closed
with a note."""
from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from bot.dispatch import dispatch_due
from bot.jobs import tick
from bot.models import Escalation, Outbox, ReviewItem
from bot.timeutil import utcnow
from tests.dashboard.conftest import add_escalation, add_patient, add_reply, login, make_accounts, post
from tests.helpers import add_coordinator, signed_post, sms


def test_the_card_lists_every_page_and_call_with_its_outcome(app, rt, accounts, coord_client, client, fake_twilio):
    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1, clinic="Riverside Spine Center")
    add_coordinator(rt, "Lee Okafor", "+12025550182", 2, clinic="Riverside Spine Center")
    add_patient(rt, accounts.clinic_a)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        sms(client, "chest pain and I can't breathe", "SM" + "a" * 32)
    later = start + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        tick(rt, later)
    [call] = fake_twilio.calls_to("+12025550182")
    with time_machine.travel(later + timedelta(minutes=1), tick=False):
        fake_twilio.answer(call, lambda url, form: signed_post(client, url.split(".org", 1)[1], form, url=url))
    with rt.session() as s:
        esc = s.scalars(select(Escalation)).one()
    html = coord_client.get(f"/dashboard/escalations/{esc.id}").get_data(as_text=True)
    section = html.split("Pages and calls")[1]
    assert section.count("<tr>") == 4  # header, Dana's text, Lee's text, Lee's call
    assert "Dana Whitfield" in section and "Lee Okafor" in section and "phone call" in section
    assert "answered" in section and "pressed 1 at" in section
    assert "Acknowledged</dt><dd>Lee Okafor" in html
    assert "chest pain and I can&#39;t breathe" in html and "Why" in html  # the reply and the evidence


def test_an_open_emergency_pauses_the_routine_pathway_until_resolved(app, rt, accounts, coord_client):
    ana = add_patient(rt, accounts.clinic_a, days_ago=1)
    add_escalation(rt, ana, tier="emergency")
    with rt.session() as s:
        due = s.scalars(select(Outbox).where(Outbox.enrollment_id == ana.id, Outbox.status == "planned")
                        .order_by(Outbox.due_at)).first()
        afternoon = utcnow().replace(hour=17, minute=0)  # noon in New York: not held by quiet hours
        due.due_at = afternoon - timedelta(minutes=1)
        due_id = due.id
    dispatch_due(rt, afternoon)
    with rt.session() as s:
        row = s.get(Outbox, due_id)
        assert (row.status, row.error_message) == ("skipped", "paused: open emergency")
        s.scalars(select(Escalation)).one().status = "resolved"
        after = s.scalars(select(Outbox).where(Outbox.enrollment_id == ana.id, Outbox.status == "planned")
                          .order_by(Outbox.due_at)).first()
        after.due_at, after_id = afternoon, after.id
    dispatch_due(rt, afternoon + timedelta(minutes=1))
    with rt.session() as s:
        assert s.get(Outbox, after_id).status == "sent"  # resolved: the pathway goes on


def test_a_review_item_is_answered_through_the_outbox_or_closed_with_a_note(app, rt, accounts, coord_client):
    ana = add_patient(rt, accounts.clinic_a)
    first = add_reply(rt, ana, "Can I drive yet?", sid="SMq1")
    second = add_reply(rt, ana, "never mind", sid="SMq2")
    with rt.session() as s:
        items = [ReviewItem(enrollment_id=ana.id, inbound_id=i, reason="routine_reply") for i in (first, second)]
        s.add_all(items)
        s.flush()
        answer_id, note_id = items[0].id, items[1].id
    html = coord_client.get("/dashboard/review").get_data(as_text=True)
    assert "Reply to Ana" in html
    post(coord_client, f"/dashboard/review/{answer_id}/resolve", {"answer": "Not before your 6-week visit."},
         page="/dashboard/review")
    post(coord_client, f"/dashboard/review/{note_id}/resolve", {"note": "called her"}, page="/dashboard/review")
    with rt.session() as s:
        answered, noted = s.get(ReviewItem, answer_id), s.get(ReviewItem, note_id)
        text = s.get(Outbox, answered.answer_outbox_id)
        assert (text.kind, text.body, text.to_phone) == ("oneoff", "Not before your 6-week visit.", ana.phone)
        assert answered.resolution_note == "Answered: Not before your 6-week visit." and answered.resolved_by
        assert noted.resolution_note == "called her" and noted.answer_outbox_id is None
    assert "Not before your 6-week visit." in coord_client.get(f"/dashboard/patients/{ana.id}").get_data(as_text=True)


def test_the_simulator_shows_coordinators_phones_and_takes_their_ack(sim_app):
    rt = sim_app.extensions["runtime"]
    accounts = make_accounts(rt)
    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1, clinic="Riverside Spine Center")
    client = sim_app.test_client()
    login(client, accounts.coordinator)
    ana = add_patient(rt, accounts.clinic_a, days_ago=1)
    page = f"/dashboard/simulator?patient={ana.id}"
    flashed = post(client, f"/dashboard/simulator/{ana.id}/reply", {"body": "I have chest pain and can't breathe"},
                   page=page, follow_redirects=True).get_data(as_text=True)
    assert "opened an emergency escalation" in flashed and 'href="/dashboard/escalations/' in flashed
    assert '<a href="/dashboard/escalations">the queue</a>' in flashed  # a link, not "see the queue"
    with rt.session() as s:
        esc = s.scalars(select(Escalation)).one()
    html = client.get(page).get_data(as_text=True)
    phones = html.split('id="coordinators"')[1]
    assert "Dana Whitfield's phone" in phones and f"ACK {esc.code}" in phones and "Ana R." in phones
    from bot.models import Coordinator
    with rt.session() as s:
        dana_id = s.scalars(select(Coordinator.id)).one()
    post(client, f"/dashboard/simulator/coordinator/{dana_id}/reply", {"body": f"ACK {esc.code}", "patient": ana.id},
         page=page)
    with rt.session() as s:
        assert s.scalars(select(Escalation)).one().acknowledged_by == "Dana Whitfield"
    assert "acknowledged by Dana Whitfield" in client.get(page).get_data(as_text=True)
