"""Small helpers shared by tests."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select, update
from twilio.request_validator import RequestValidator

from bot import enrollment
from bot.models import Outbox
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL


def enroll(rt, now: datetime, **fields):
    data = {"first_name": "Ana", "last_name": "Reyes", "date_of_birth": "1961-04-12",
            "phone": "+12025550143", "surgery_date": "2026-11-20",
            "timezone": "America/New_York", "language": "en"}
    data.update(fields)
    with rt.session() as session:
        return enrollment.create(session, rt, enrollment.validate(data, rt, now.date()), "test", now)


def outbox(rt, **filters) -> list[Outbox]:
    with rt.session() as session:
        query = select(Outbox).order_by(Outbox.due_at, Outbox.id)
        for name, value in filters.items():
            query = query.where(getattr(Outbox, name) == value)
        return list(session.scalars(query))


def signed_post(client, path: str, form: dict, token: str = AUTH_TOKEN, url: str | None = None,
                headers: dict | None = None, **kw):
    """POST a form the way Twilio does (our AccountSid unless the form says otherwise), signed for the
    public URL."""
    form = {"AccountSid": ACCOUNT_SID, **form}
    signature = RequestValidator(token).compute_signature(url or PUBLIC_URL + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature, **(headers or {})}, **kw)


def sms(client, body: str, sid: str, sender: str = "+12025550143", **kw):
    """A patient's text arriving through Twilio's webhook."""
    return signed_post(client, "/twilio/sms", {"MessageSid": sid, "From": sender, "To": "+12025550100",
                                                "Body": body, "NumMedia": "0"}, **kw)


def reply(client, fake_twilio, body: str, sid: str, sender: str = "+12025550143") -> str | None:
    """Send a text through the webhook and let the sweep run too; return what the service texted back to
    the sender (None if nothing). The webhook itself answers an empty TwiML: replies go through the outbox."""
    from bot.inbound import process_and_send

    before = len(fake_twilio.to(sender))
    response = sms(client, body, sid, sender)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml" and "<Message>" not in response.get_data(as_text=True)
    process_and_send(client.application.extensions["runtime"])  # the clock's sweep, seconds later
    new = [m.body for m in fake_twilio.to(sender)[before:]]
    return "\n".join(new) if new else None


def add_coordinator(rt, name: str, phone: str, rank: int | None, clinic: str | None = None):
    from bot.clinics import clinic_by_name, default_clinic
    from bot.models import Coordinator

    with rt.session() as s:
        home = clinic_by_name(s, clinic, create=True) if clinic else default_clinic(s, rt.settings)
        c = Coordinator(name=name, phone=phone, email=f"{name.split()[0].lower()}@clinic.example.org",
                        on_call_rank=rank, clinic_id=home.id)
        s.add(c)
    return c


QUESTIONS = {"redflags": ("redflags-checkin", "checkin_redflags", "redflag_list"),
             "pain": ("pain-checkin", "checkin_pain", "pain_score")}


def asked(rt, enrollment, what: str, at: datetime) -> int:
    """A check-in question ('redflags' or 'pain') sent to the patient at `at`; returns its outbox id."""
    step, content_key, expects = QUESTIONS[what]
    with rt.session() as session:
        row = Outbox(key=f"q:{what}:{at.isoformat()}", enrollment_id=enrollment.id, to_phone=enrollment.phone,
                     kind="pathway", step=step, content_key=content_key, expects=expects, body=content_key,
                     due_at=at, status="sent", sent_at=at)
        session.add(row)
        session.flush()
        return row.id


def room_on(rt, enrollment, at: datetime) -> None:
    """Leave room for an automatic reply on the patient's local day of `at`: the planner's texts
    still planned that day are cancelled, so only what the test sends itself (`asked`) counts. The
    fixture pathway has 3 texts a day on days 1-14, as the shipped one has on days 3-14, and on a day
    with 3 texts a thank-you or the self-care advice is not sent (bot/fatigue.py)."""
    from bot.timeutil import local_to_utc, utc_to_local

    day = utc_to_local(at, enrollment.timezone).date()
    start = local_to_utc(day, time(0, 0), enrollment.timezone)
    end = local_to_utc(day + timedelta(days=1), time(0, 0), enrollment.timezone)
    with rt.session() as session:
        session.execute(update(Outbox).where(
            Outbox.enrollment_id == enrollment.id, Outbox.status == "planned", Outbox.kind == "pathway",
            Outbox.due_at >= start, Outbox.due_at < end).values(status="cancelled"))


def render(rt, language: str, key: str, **values) -> str:
    """A system text as the patient reads it (the fixtures' clinic phone, patient Ana)."""
    return rt.library.render(language, key, {"first_name": "Ana", "clinic_phone": "+12025550111",
                                             "clinic_name": "Riverside Spine Center", **values})
