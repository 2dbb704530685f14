"""/twilio/sms beyond the signature: Twilio's own formats, our account, Twilio's idempotency token,
a NUL in the body, and one processor per reply."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import time_machine
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot import boot
from bot.inbound import process_pending
from bot.inbound_store import claim_next, hold, store
from bot.models import Escalation, Inbound, Outbox, ReviewItem
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL
from tests.helpers import add_coordinator, enroll, signed_post

NOW = datetime(2026, 11, 21, 15, 0)
SID = "SM" + "4f" * 16


def count(rt, model) -> int:
    with rt.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_the_concatenation_replay_is_refused_and_changes_nothing(client, rt, fake_twilio):
    """Twilio signs sorted names and values run together, so 'NumMedia'+'0' moved onto the end of
    MessageSid signs the same: the replay carries a valid signature and a new MessageSid."""
    enroll(rt, NOW)
    add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    captured = {"AccountSid": ACCOUNT_SID, "Body": "chest pain and I can't breathe", "From": "+12025550143",
                "MessageSid": SID, "NumMedia": "0", "To": "+12025550100"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + "/twilio/sms", captured)
    with time_machine.travel(NOW, tick=False):
        assert client.post("/twilio/sms", data=captured, headers={"X-Twilio-Signature": signature}).status_code == 200
    before = (count(rt, Inbound), count(rt, Escalation), count(rt, Outbox), len(fake_twilio.messages))
    assert before[1] == 1
    replay = {k: v for k, v in captured.items() if k != "NumMedia"} | {"MessageSid": SID + "NumMedia0"}
    assert RequestValidator(AUTH_TOKEN).validate(PUBLIC_URL + "/twilio/sms", replay, signature)  # still "valid"
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        response = client.post("/twilio/sms", data=replay, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert (count(rt, Inbound), count(rt, Escalation), count(rt, Outbox), len(fake_twilio.messages)) == before


def form(**fields) -> dict:
    return {"MessageSid": SID, "From": "+12025550143", "To": "+12025550100", "Body": "ok", **fields}


def test_sids_and_account_must_be_twilios_and_ours(client, rt):
    refused = [form(MessageSid="SM" + "g" * 32), form(MessageSid="SM" + "a" * 31), form(MessageSid="XX" + "a" * 32),
               form(SmsSid="SM" + "b" * 32), form(AccountSid="AC" + "1" * 32), form(AccountSid="ACnot-ours")]
    for fields in refused:
        assert signed_post(client, "/twilio/sms", fields).status_code == 403, fields
    assert count(rt, Inbound) == 0
    assert signed_post(client, "/twilio/sms", form(SmsSid=SID, SmsMessageSid=SID, MessageSid=SID)).status_code == 200
    assert signed_post(client, "/twilio/sms", form(MessageSid="MM" + "c" * 32)).status_code == 200
    assert count(rt, Inbound) == 2


def test_the_idempotency_token_is_a_second_deduplication_key(client, rt):
    token = {"I-Twilio-Idempotency-Token": "c0ffee00-1234-4cde-9abc-0123456789ab"}
    assert signed_post(client, "/twilio/sms", form(), headers=token).status_code == 200
    # The same delivery again under another MessageSid: stored once, acted on once.
    assert signed_post(client, "/twilio/sms", form(MessageSid="SM" + "5e" * 16), headers=token).status_code == 200
    assert count(rt, Inbound) == 1
    assert signed_post(client, "/twilio/sms", form(MessageSid="SM" + "6e" * 16),
                       headers={"I-Twilio-Idempotency-Token": "x" * 300}).status_code == 200  # long: hashed
    assert count(rt, Inbound) == 2


def test_malformed_fields_get_400_with_a_reason(client, rt):
    for fields, reason in [(form(NumMedia="abc"), "NumMedia"), (form(NumMedia="-1"), "NumMedia"),
                           (form(From="+1202\x00555"), "From"), (form(From="not a phone"), "From")]:
        response = signed_post(client, "/twilio/sms", fields)
        assert response.status_code == 400 and reason in response.get_data(as_text=True), fields
    assert count(rt, Inbound) == 0


def test_a_body_with_a_nul_is_stored_with_the_character_replaced_and_processed(client, rt, fake_twilio):
    enroll(rt, NOW)
    with time_machine.travel(NOW, tick=False):
        assert signed_post(client, "/twilio/sms", form(Body="ok\x00 thanks")).status_code == 200
        process_pending(rt)
    with rt.session() as s:
        row = s.scalars(select(Inbound)).one()
    assert row.body == "ok\ufffd thanks" and row.processed_at is not None and row.attempts == 0


def test_a_claimed_reply_is_processed_by_its_claimant_only(rt):
    with rt.session() as s:
        inbound_id = store(s, SID, "+12025550143", "ok", None, NOW)
    with rt.session() as s:
        assert claim_next(s, "worker", NOW, []) == inbound_id
    assert process_pending(rt, NOW) == 0  # the sweep leaves the worker's claim alone
    with rt.session() as s:
        assert hold(s, inbound_id, "sweep") is None
    # A claim a crash left behind expires, and the sweep takes it.
    assert process_pending(rt, NOW + timedelta(minutes=10)) == 1
    with rt.session() as s:
        assert hold(s, inbound_id, "worker") is None  # processed: the crashed worker can do nothing


def test_a_senders_replies_are_claimed_in_turn_while_others_go_meanwhile(rt):
    with rt.session() as s:
        first = store(s, "SM" + "1" * 32, "+12025550143", "3", None, NOW)
        second = store(s, "SM" + "2" * 32, "+12025550143", "and 5", None, NOW)
        other = store(s, "SM" + "3" * 32, "+12025550144", "ok", None, NOW)
    with rt.session() as s:
        assert claim_next(s, "a", NOW, []) == first
    with rt.session() as s:  # not Ana's second text while her first is being processed
        assert claim_next(s, "b", NOW, []) == other
        assert claim_next(s, "b", NOW, []) is None
    assert process_pending(rt, NOW + timedelta(minutes=10)) == 3  # the claims expired: all, Ana's in turn
    with rt.session() as s:
        done = dict(s.execute(select(Inbound.id, Inbound.processed_at)).all())
    assert done[first] is not None and done[second] is not None


def test_two_processors_racing_act_on_each_reply_once(rt, config):
    enroll(rt, NOW)
    with rt.session() as s:
        for i in range(30):
            # read by a person, so each gets its reply whatever the day's count (a thank-you would not:
            # at most 3 texts a day, bot/fatigue.py)
            store(s, f"SM{i:032x}", "+12025550143", "when is my next appointment", "+12025550100", NOW)
    start = threading.Barrier(2)
    errors: list[Exception] = []

    def processor() -> None:
        own = boot.build(overrides=config)  # its own engine, like the web worker and the clock
        try:
            start.wait()
            process_pending(own, NOW)
        except Exception as e:  # surfaced below
            errors.append(e)
        finally:
            own.dispose()

    threads = [threading.Thread(target=processor) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with rt.session() as s:
        rows = s.scalars(select(Inbound)).all()
        replies = s.scalar(select(func.count()).select_from(Outbox).where(Outbox.kind == "reply"))
        items = s.scalar(select(func.count()).select_from(ReviewItem))
    assert all(r.processed_at is not None and r.attempts == 0 for r in rows) and replies == 30 and items == 30


def test_a_status_callback_with_a_sid_not_in_twilios_format_is_refused(client, rt):
    form = {"MessageSid": "SM" + "a" * 32 + "MessageStatusdelivered", "MessageStatus": "failed"}
    assert signed_post(client, "/twilio/status", form).status_code == 403
    assert signed_post(client, "/twilio/status", {"MessageStatus": "failed"}).status_code == 400
