"""Sending through the real twilio client to a local fake Twilio: exactly once, retried when it helps,
stopped when it cannot, and paced per sender."""
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
import time_machine

from bot.dispatch import dispatch_due
from bot.models import Enrollment, OptOut, Outbox, ReviewItem
from bot.outbox.lifecycle import begin_attempt
from bot.outbox.lifecycle import claim as claim_rows
from tests.helpers import enroll, outbox

NOW = datetime(2026, 11, 21, 14, 0)  # 09:00 in New York
LEASE = timedelta(minutes=10)


def claim(session, now, limit, owner="test-owner"):
    return claim_rows(session, now, limit, owner, LEASE)


def add_row(rt, key, body="Hello from the care team", due=NOW, phone="+12025550143", enrollment_id=None,
            urgent=False):
    with rt.session() as s:
        row = Outbox(key=key, to_phone=phone, kind="oneoff", body=body, due_at=due, urgent=urgent,
                     enrollment_id=enrollment_id)
        s.add(row)
    return row.id


def test_due_pathway_text_is_sent_once_with_a_status_callback(rt, fake_twilio):
    e = enroll(rt, NOW - timedelta(hours=1), surgery_date="2026-11-20")
    with time_machine.travel(NOW, tick=False):
        stats = dispatch_due(rt, NOW)
        again = dispatch_due(rt, NOW)
    assert stats.outcomes["sent"] == 1 and again.claimed == 0
    [message] = fake_twilio.messages
    assert message.to == e.phone and message.sender == "+12025550100"
    assert message.body.startswith("Good morning Ana.") and "10 lb" in message.body
    row = outbox(rt, step="walk-early", day=1)[0]
    assert message.status_callback == f"https://postop.example.org/twilio/status?outbox_id={row.id}"
    assert (row.status, row.twilio_sid, row.segments) == ("sent", message.sid, 1)


def test_spanish_patient_gets_spanish_text(rt, fake_twilio):
    enroll(rt, NOW - timedelta(hours=1), language="es")
    dispatch_due(rt, NOW)
    assert fake_twilio.messages[0].body.startswith("Buenos días, Ana.")


def test_claim_is_exclusive_and_committed_before_sending(rt):
    for i in range(5):
        add_row(rt, f"k{i}")
    with rt.session() as s1:
        first = claim(s1, NOW, 3, "worker-a")
    with rt.session() as s2:
        second = claim(s2, NOW, 10, "worker-b")
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
    assert {r.status for r in outbox(rt)} == {"sending"}


def test_safety_texts_are_claimed_before_routine_backlog(rt):
    for i in range(5):
        add_row(rt, f"routine{i}", due=NOW - timedelta(hours=1))
    urgent = add_row(rt, "safety", urgent=True)
    with rt.session() as s:
        assert claim(s, NOW, 1) == [urgent]


def test_crash_after_claim_before_send_is_resent_once_after_reconciliation(rt, fake_twilio):
    row_id = add_row(rt, "crash1")
    with rt.session() as s:
        claim(s, NOW, 10)  # the process dies here: claimed, never sent
    assert dispatch_due(rt, NOW + timedelta(minutes=1)).claimed == 0  # lease not over: not resent
    later = NOW + timedelta(minutes=11)
    dispatch_due(rt, later)
    assert len(fake_twilio.messages) == 1
    assert outbox(rt, id=row_id)[0].status == "sent"


def test_crash_after_twilio_accepted_is_recorded_not_resent(rt, fake_twilio):
    row_id = add_row(rt, "crash2")
    with rt.session() as s:
        claim(s, NOW, 10)
    with rt.session() as s:
        assert begin_attempt(s, row_id, "test-owner", NOW, LEASE)
    rt.transport.send("+12025550143", "Hello from the care team")  # reached Twilio; our commit never ran
    stats = dispatch_due(rt, NOW + timedelta(minutes=11))  # the lease is over: released, in doubt
    assert stats.reconciled == 1 and stats.claimed == 0  # not sent again straight away
    row = outbox(rt, id=row_id)[0]
    assert row.status == "planned" and row.in_doubt
    assert dispatch_due(rt, NOW + timedelta(minutes=13)).outcomes["adopted"] == 1
    assert len(fake_twilio.messages) == 1
    row = outbox(rt, id=row_id)[0]
    assert row.status == "sent" and row.twilio_sid == fake_twilio.messages[0].sid and not row.in_doubt


def test_lost_response_is_looked_up_instead_of_resent(rt, fake_twilio):
    row_id = add_row(rt, "lost")
    fake_twilio.create_then_fail = True  # Twilio creates the message, the connection drops
    dispatch_due(rt, NOW)
    fake_twilio.create_then_fail = False
    dispatch_due(rt, NOW + timedelta(hours=1))
    assert len(fake_twilio.messages) == 1
    assert outbox(rt, id=row_id)[0].twilio_sid == fake_twilio.messages[0].sid


def test_429_retries_with_backoff_then_sends(rt, fake_twilio):
    row_id = add_row(rt, "transient")
    fake_twilio.script.append((429, 20429))
    assert dispatch_due(rt, NOW).outcomes["retry"] == 1
    row = outbox(rt, id=row_id)[0]
    assert row.status == "planned" and NOW + timedelta(seconds=20) <= row.due_at <= NOW + timedelta(seconds=40)
    assert not row.in_doubt  # a 429 is never processed: nothing to look up
    assert dispatch_due(rt, NOW + timedelta(seconds=5)).claimed == 0  # not before its backoff
    dispatch_due(rt, NOW + timedelta(minutes=1))
    assert len(fake_twilio.messages) == 1 and outbox(rt, id=row_id)[0].status == "sent"


@pytest.mark.parametrize("retry_after", ["300", "Sat, 21 Nov 2026 14:05:00 GMT"])
def test_retry_after_on_429_is_honoured(rt, fake_twilio, retry_after):
    row_id = add_row(rt, "slow-down")
    fake_twilio.script.append((429, 20429, {"Retry-After": retry_after}))
    with time_machine.travel(NOW, tick=False):
        dispatch_due(rt, NOW)
    assert outbox(rt, id=row_id)[0].due_at >= NOW + timedelta(seconds=299)
    assert dispatch_due(rt, NOW + timedelta(minutes=2)).claimed == 0


@pytest.mark.parametrize("failure", [(503, 20503), "drop"])
def test_ambiguous_errors_leave_the_row_in_doubt_and_look_before_resending(rt, fake_twilio, failure):
    row_id = add_row(rt, "transient")
    fake_twilio.script.append(failure)
    assert dispatch_due(rt, NOW).outcomes["retry"] == 1
    row = outbox(rt, id=row_id)[0]
    assert row.status == "planned" and row.in_doubt and row.due_at >= NOW + timedelta(seconds=60)
    assert dispatch_due(rt, NOW + timedelta(seconds=40)).claimed == 0
    lookups = fake_twilio.lookups
    dispatch_due(rt, NOW + timedelta(minutes=2))
    assert fake_twilio.lookups == lookups + 1  # the log was searched first, found nothing
    assert len(fake_twilio.messages) == 1 and outbox(rt, id=row_id)[0].status == "sent"


def test_backoff_grows_and_gives_up_after_max_attempts(rt, fake_twilio):
    row_id = add_row(rt, "flaky")
    fake_twilio.fail_for["+12025550143"] = (503, 20503)
    when, delays = NOW, []
    for _ in range(rt.settings.max_send_attempts):
        with time_machine.travel(when, tick=False):  # delays measured from the pass's own time
            dispatch_due(rt, when)
        row = outbox(rt, id=row_id)[0]
        if row.status != "planned":
            break
        delays.append((row.due_at - when).total_seconds())
        when = row.due_at
    assert row.status == "failed" and row.attempts == rt.settings.max_send_attempts
    assert delays == sorted(delays) and delays[-1] > 4 * delays[0]
    with rt.session() as s:
        assert s.query(ReviewItem).filter_by(reason="send_in_doubt").count() == 1  # it may have gone: a person checks


def test_21610_marks_the_number_opted_out_and_cancels_the_rest(rt, fake_twilio):
    e = enroll(rt, NOW - timedelta(hours=1))
    fake_twilio.fail_for[e.phone] = (400, 21610)
    stats = dispatch_due(rt, NOW)
    assert stats.outcomes["failed"] == 1 and fake_twilio.requests == 1
    with rt.session() as s:
        assert s.get(OptOut, e.phone).source == "twilio-21610"
    assert {r.status for r in outbox(rt) if r.status != "failed"} == {"cancelled"}
    assert dispatch_due(rt, NOW + timedelta(days=1)).claimed == 0
    assert fake_twilio.requests == 1  # never retried


@pytest.mark.parametrize("code", [21211, 21614])
def test_bad_number_is_flagged_for_a_coordinator_and_not_retried(rt, fake_twilio, code):
    e = enroll(rt, NOW - timedelta(hours=1))
    fake_twilio.fail_for[e.phone] = (400, code)
    dispatch_due(rt, NOW)
    with rt.session() as s:
        assert str(code) in s.get(Enrollment, e.id).phone_problem
        item = s.query(ReviewItem).filter_by(reason="bad_number", enrollment_id=e.id).one()
        assert item.due_at is not None and item.due_at > NOW  # read by a deadline, paged when late
    dispatch_due(rt, NOW + timedelta(hours=9))  # the 18:00 check-in
    assert fake_twilio.requests == 1
    assert outbox(rt, step="pain-checkin", day=1)[0].status == "skipped"


def test_opted_out_number_is_never_sent_even_if_rows_remain(rt, fake_twilio):
    row_id = add_row(rt, "late-row")
    with rt.session() as s:
        s.add(OptOut(phone="+12025550143", source="sms"))
    dispatch_due(rt, NOW)
    assert fake_twilio.messages == [] and outbox(rt, id=row_id)[0].status == "cancelled"


def test_pacing_spaces_sends_by_segments_over_the_rate(rt, fake_twilio):
    rt.settings = replace(rt.settings, send_rate=2.0, dispatch_threads=1)
    add_row(rt, "one-seg", body="short")
    add_row(rt, "two-seg", body="x" * 200)  # 2 segments
    add_row(rt, "after", body="short")
    add_row(rt, "safety", body="Call 911", urgent=True)
    with time_machine.travel(NOW, tick=False):  # frozen clock: every wait is the pacer's booking
        dispatch_due(rt, NOW)
    assert len(fake_twilio.messages) == 4
    # safety first and unpaced; then 1 segment (0.5 s), 2 segments (1 s) of the sender's time
    assert rt.waits == [0.5, 1.5]
