"""Dashboard fixtures: two clinics with their accounts, logged-in clients, a simulator-mode app."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.accounts import create_user
from bot.app import create_app
from bot.clinics import default_clinic
from bot.dispatch import dispatch_urgent
from bot.models import Clinic, Escalation, Inbound, Observation, Outbox
from bot.timeutil import utcnow
from tests.helpers import enroll

PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch):
    """Real argon2id, with the cost turned down: tests hash and check dozens of passwords."""
    from argon2 import PasswordHasher

    from bot import accounts as store

    monkeypatch.setattr(store, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(store, "_DUMMY_HASH", store._hasher.hash("not-a-real-password"))


@dataclass
class Accounts:
    clinic_a: int
    clinic_b: int
    admin: str = "dana.admin@riverside.example"
    coordinator: str = "sam.coord@riverside.example"
    other: str = "lee.coord@hillcrest.example"


def make_accounts(rt) -> Accounts:
    with rt.session() as s:
        create_user(s, "dana.admin@riverside.example", "Dana Whitfield", "admin", "Riverside Spine Center", PASSWORD)
        create_user(s, "sam.coord@riverside.example", "Sam Ortega", "coordinator", "Riverside Spine Center", PASSWORD)
        create_user(s, "lee.coord@hillcrest.example", "Lee Park", "coordinator", "Hillcrest Orthopedics", PASSWORD)
        clinics = {c.name: c.id for c in s.query(Clinic)}
    return Accounts(clinics["Riverside Spine Center"], clinics["Hillcrest Orthopedics"])


@pytest.fixture
def accounts(rt) -> Accounts:
    return make_accounts(rt)


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client, email: str, password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


def post(client, path: str, data: dict | None = None, page: str = "/dashboard/enroll", **kw):
    """A form POST the way a browser sends it: with the CSRF token from a page of the same session."""
    return client.post(path, data={"csrf_token": csrf_token(client, page), **(data or {})}, **kw)


@pytest.fixture
def admin_client(app, accounts):
    client = app.test_client()
    assert login(client, accounts.admin).status_code == 302
    return client


@pytest.fixture
def coord_client(app, accounts):
    client = app.test_client()
    assert login(client, accounts.coordinator).status_code == 302
    return client


@pytest.fixture
def other_client(app, accounts):
    client = app.test_client()
    assert login(client, accounts.other).status_code == 302
    return client


def today_minus(days: int) -> str:
    # The patients' own date (they live in New York), not the machine's: between 00:00 and 05:00 UTC
    # the two differ and a surgery "5 days ago" would show as day 4.
    return (datetime.now(ZoneInfo("America/New_York")).date() - timedelta(days=days)).isoformat()


def add_patient(rt, clinic_id: int | None, phone: str = "+12025550143", name: str = "Ana", days_ago: int = 3,
                **fields):
    now = utcnow()
    patient = enroll(rt, now, first_name=name, phone=phone, surgery_date=today_minus(days_ago), **fields)
    with rt.session() as s:
        s.get(type(patient), patient.id).clinic_id = clinic_id
    return patient


def add_reply(rt, enrollment, body: str, at: datetime | None = None, sid: str | None = None) -> int:
    with rt.session() as s:
        row = Inbound(message_sid=sid or f"SM{abs(hash((enrollment.id, body, at))):030d}"[:34],
                      from_phone=enrollment.phone, body=body, enrollment_id=enrollment.id,
                      received_at=at or utcnow(), handled_as="triage", tier="none")
        s.add(row)
        s.flush()
        return row.id


def add_pain(rt, enrollment, values: list[int], start: datetime | None = None) -> None:
    start = start or utcnow() - timedelta(days=len(values))
    with rt.session() as s:
        for i, v in enumerate(values):
            s.add(Observation(enrollment_id=enrollment.id, kind="pain", value=str(v),
                              observed_at=start + timedelta(days=i)))


def add_question(rt, enrollment, key: str, answered: bool, status: str = "delivered") -> None:
    now = utcnow()
    with rt.session() as s:
        s.add(Outbox(key=key, enrollment_id=enrollment.id, to_phone=enrollment.phone, kind="pathway",
                     expects="pain_score", body="How is your pain, 0-10?", due_at=now - timedelta(hours=2),
                     sent_at=now - timedelta(hours=2), status=status, answered_at=now if answered else None))


def add_escalation(rt, enrollment, tier: str = "emergency", code: str = "ABC234", minutes_ago: int = 3,
                   status: str = "open", inbound_id: int | None = None) -> int:
    now = utcnow()
    with rt.session() as s:
        clinic_id = s.get(type(enrollment), enrollment.id).clinic_id if enrollment else None
        # As bot.escalation.open_escalation: a sender we do not know is the default clinic's.
        row = Escalation(code=code, enrollment_id=enrollment.id if enrollment else None, inbound_id=inbound_id,
                         clinic_id=clinic_id if clinic_id is not None else default_clinic(s, rt.settings).id,
                         tier=tier, flags=["chest_pain"], evidence=["chest_pain: 'chest pain'"], status=status,
                         created_at=now - timedelta(minutes=minutes_ago), page_round=1, ladder_rank=1,
                         next_page_at=now + timedelta(minutes=2) if status == "open" else None)
        s.add(row)
        s.flush()
        return row.id


@pytest.fixture
def sim_app(config):
    """The app as `postop run` starts it without Twilio credentials: the phone simulator."""
    app = create_app({**config, "SIMULATOR": True})
    rt = app.extensions["runtime"]
    rt.waits = []
    rt.sleep = rt.waits.append
    rt.kick_urgent = lambda: dispatch_urgent(rt)
    yield app
    rt.dispose()
