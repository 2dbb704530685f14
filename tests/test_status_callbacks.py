"""POST /twilio/status: signed, and delivery status only ever moves forward."""
from datetime import datetime, timedelta

from bot.dispatch import dispatch_due
from bot.models import Outbox
from bot.outbox.lifecycle import claim
from tests.helpers import outbox, signed_post

NOW = datetime(2026, 11, 21, 14, 0)


def sent_row(rt, fake_twilio):
    with rt.session() as s:
        s.add(Outbox(key="cb", to_phone="+12025550143", kind="oneoff", body="Hello", due_at=NOW))
    dispatch_due(rt, NOW)
    row = outbox(rt, key="cb")[0]
    return row, f"/twilio/status?outbox_id={row.id}"


def callback(client, path, sid, status, **extra):
    return signed_post(client, path, {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32,
                                      **extra})


def test_delivered_is_recorded(client, rt, fake_twilio):
    row, path = sent_row(rt, fake_twilio)
    assert callback(client, path, row.twilio_sid, "delivered").status_code == 204
    row = outbox(rt, key="cb")[0]
    assert row.status == "delivered" and row.delivered_at is not None


def test_out_of_order_callbacks_never_move_backwards(client, rt, fake_twilio):
    row, path = sent_row(rt, fake_twilio)
    for status in ("delivered", "sent", "queued", "sending"):
        assert callback(client, path, row.twilio_sid, status).status_code == 204
    assert outbox(rt, key="cb")[0].status == "delivered"
    callback(client, path, row.twilio_sid, "delivered")  # Twilio's retry of the same callback
    assert outbox(rt, key="cb")[0].status == "delivered"


def test_undelivered_records_the_error_and_flags_a_dead_number(client, rt, fake_twilio):
    row, path = sent_row(rt, fake_twilio)
    callback(client, path, row.twilio_sid, "undelivered", ErrorCode="30003", ErrorMessage="Unreachable")
    row = outbox(rt, key="cb")[0]
    assert (row.status, row.error_code) == ("undelivered", "30003")


def test_callback_heals_a_row_whose_send_crashed_before_the_sid_was_saved(client, rt):
    with rt.session() as s:
        s.add(Outbox(key="crash", to_phone="+12025550143", kind="oneoff", body="Hi", due_at=NOW))
    with rt.session() as s:
        [row_id] = claim(s, NOW, 10, "crashed", timedelta(minutes=10))
    callback(client, f"/twilio/status?outbox_id={row_id}", "SM" + "a" * 32, "sent")
    row = outbox(rt, key="crash")[0]
    assert (row.status, row.twilio_sid) == ("sent", "SM" + "a" * 32)


def test_unsigned_or_wrongly_signed_callbacks_are_refused(client, rt, fake_twilio):
    row, path = sent_row(rt, fake_twilio)
    form = {"MessageSid": row.twilio_sid, "MessageStatus": "failed"}
    assert client.post(path, data=form).status_code == 403
    assert signed_post(client, path, form, token="not-the-auth-token").status_code == 403
    # signed for another URL (the query string is part of what Twilio signs)
    assert signed_post(client, path, form, url="https://postop.example.org/twilio/status?outbox_id=999"
                       ).status_code == 403
    assert outbox(rt, key="cb")[0].status == "sent"


def test_unknown_message_and_malformed_status(client):
    assert callback(client, "/twilio/status", "SM" + "b" * 32, "delivered").status_code == 204
    assert callback(client, "/twilio/status", "SM" + "b" * 32, "exploded").status_code == 400


def test_a_callback_settles_an_in_doubt_send_so_it_is_never_sent_again(client, rt, fake_twilio):
    with rt.session() as s:
        s.add(Outbox(key="doubt", to_phone="+12025550143", kind="oneoff", body="Hi", due_at=NOW))
    fake_twilio.script.append((503, 20503))
    dispatch_due(rt, NOW)
    row = outbox(rt, key="doubt")[0]
    assert row.status == "planned" and row.in_doubt
    callback(client, f"/twilio/status?outbox_id={row.id}", "SM" + "c" * 32, "delivered")
    row = outbox(rt, key="doubt")[0]
    assert (row.status, row.twilio_sid, row.in_doubt) == ("delivered", "SM" + "c" * 32, False)
    assert dispatch_due(rt, NOW + timedelta(hours=1)).claimed == 0 and fake_twilio.messages == []


def test_a_nul_in_a_callbacks_error_is_replaced_and_the_status_applied(client, rt, fake_twilio):
    # PostgreSQL text cannot hold a NUL: the UPDATE failed and the callback was a 500 (issue 15 item 7).
    row, path = sent_row(rt, fake_twilio)
    response = callback(client, path, row.twilio_sid, "failed", ErrorCode="300\x0008", ErrorMessage="Carrier\x00 error")
    assert response.status_code == 204
    row = outbox(rt, key="cb")[0]
    assert (row.status, row.error_code, row.error_message) == ("failed", "300\ufffd08", "Carrier\ufffd error")
