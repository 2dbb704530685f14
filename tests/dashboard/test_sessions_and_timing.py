"""Login answers as fast for an unknown email as for a wrong password; logging out ends the session
on the server; HSTS over HTTPS."""
from __future__ import annotations

import statistics
import time

from argon2 import PasswordHasher

from bot import accounts as account_store
from tests.dashboard.conftest import PASSWORD, csrf_token, login


def _failed_login_seconds(app, email: str, attempt: int) -> float:
    client = app.test_client()
    # A new client address per attempt: the lockout (5 per email and address) must not kick in.
    environ = {"REMOTE_ADDR": f"10.0.{attempt // 250}.{attempt % 250 + 1}"}
    token = csrf_token(client)
    start = time.perf_counter()
    response = client.post("/login", data={"email": email, "password": "wrong password!", "csrf_token": token},
                           environ_base=environ)
    elapsed = time.perf_counter() - start
    assert response.status_code == 401
    return elapsed


def test_failed_login_takes_as_long_for_an_unknown_email(app, accounts, monkeypatch):
    # Heavy enough that the hash, not the database, dominates: what an attacker would time.
    hasher = PasswordHasher(time_cost=2, memory_cost=16384, parallelism=1)
    monkeypatch.setattr(account_store, "_hasher", hasher)
    monkeypatch.setattr(account_store, "_DUMMY_HASH", hasher.hash("not-a-real-password"))
    from bot.models import User

    with app.extensions["runtime"].session() as s:  # the known account's hash at the same cost
        s.query(User).filter_by(email=accounts.coordinator).one().password_hash = hasher.hash(PASSWORD)
    known, unknown = [], []
    for i in range(12):  # alternating, so machine load falls on both alike
        known.append(_failed_login_seconds(app, accounts.coordinator, 2 * i))
        unknown.append(_failed_login_seconds(app, f"nobody{i}@riverside.example", 2 * i + 1))
    # Each known attempt against the unknown one right after it: the machine's load (other test
    # processes run beside this one) moves both of a pair alike, and the median pair says which is slower.
    ratio = statistics.median(k / u for k, u in zip(known, unknown, strict=True))
    k, u = statistics.median(known), statistics.median(unknown)
    assert 0.8 < ratio < 1.25, f"known/unknown {ratio:.2f} (medians {k * 1000:.1f} / {u * 1000:.1f} ms)"


def test_a_session_cookie_is_useless_after_logout(app, accounts):
    client = app.test_client()
    assert login(client, accounts.coordinator).status_code == 302
    cookie = client.get_cookie("postop_session").value
    assert client.get("/dashboard/").status_code == 200
    token = csrf_token(client, "/dashboard/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    replay = app.test_client()
    replay.set_cookie("postop_session", cookie)
    response = replay.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_hsts_when_served_over_https(client):
    assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_hsts_over_plain_http(config):
    from bot.app import create_app

    plain = create_app({**config, "PUBLIC_URL": "http://localhost:8000"})
    assert "Strict-Transport-Security" not in plain.test_client().get("/login").headers
    plain.extensions["runtime"].dispose()
