"""Accounts: every page needs a login; passwords are argon2; logins are throttled; CSRF on forms."""
from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from bot.models import User
from bot.timeutil import utcnow
from tests.dashboard.conftest import PASSWORD, csrf_token, login, post


def dashboard_urls(app) -> list[tuple[str, str]]:
    """Every dashboard route with its methods, ids filled in with 1."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("dashboard.") and rule.endpoint != "dashboard.static":
            path = re.sub(r"<(?:int:)?(\w+)>", lambda m: "ack" if m.group(1) == "action" else "1", rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                urls.append((method, path))
    return urls


def test_every_dashboard_route_sends_a_logged_out_visitor_to_the_login_page(app, client):
    urls = dashboard_urls(app)
    assert len(urls) >= 20  # roster, patient, queue, review, audit, tokens, simulator, their actions
    app.config["WTF_CSRF_ENABLED"] = False  # so a POST reaches the login check rather than the CSRF check
    for method, path in urls:
        response = client.open(path, method=method)
        assert response.status_code == 302, (method, path, response.status_code)
        assert response.headers["Location"].startswith("/login"), (method, path)
    assert client.get("/").headers["Location"] == "/dashboard/patients"
    page = client.get("/dashboard/patients", follow_redirects=True)
    assert "Care team log in" in page.get_data(as_text=True)


def test_login_then_logout(client, accounts):
    response = login(client, accounts.coordinator)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/patients"
    assert client.get("/dashboard/patients").status_code == 200
    assert post(client, "/logout", page="/dashboard/patients").status_code == 302
    assert client.get("/dashboard/patients").status_code == 302


def test_passwords_are_argon2_hashes(rt, accounts):
    with rt.session() as s:
        user = s.scalars(select(User).where(User.email == accounts.admin)).one()
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_wrong_password_and_unknown_email_get_the_same_answer(client, accounts):
    wrong = login(client, accounts.coordinator, "not the password")
    unknown = login(client, "nobody@riverside.example", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.get_data(as_text=True)
    assert "Wrong email or password." in unknown.get_data(as_text=True)


def test_five_failures_lock_that_email_and_address_for_fifteen_minutes(client, app, accounts):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        for _ in range(5):
            assert login(client, accounts.coordinator, "guess").status_code == 401
        locked = login(client, accounts.coordinator)  # even the right password
        assert locked.status_code == 429
        assert "Too many failed attempts" in locked.get_data(as_text=True)
        other_address = app.test_client()
        response = other_address.post("/login", environ_base={"REMOTE_ADDR": "10.0.0.9"},
                                      data={"email": accounts.coordinator, "password": PASSWORD,
                                            "csrf_token": csrf_token(other_address)})
        assert response.status_code == 302  # the lock is per email and address, not a denial of service
        traveller.shift(timedelta(minutes=14))
        assert login(client, accounts.coordinator).status_code == 429
        traveller.shift(timedelta(minutes=2))
        assert login(client, accounts.coordinator).status_code == 302


def test_a_form_without_its_csrf_token_is_refused(client, accounts):
    response = client.post("/login", data={"email": accounts.coordinator, "password": PASSWORD})
    assert response.status_code == 400
    login(client, accounts.coordinator)
    assert client.post("/dashboard/enroll", data={"first_name": "Ana"}).status_code == 400
    assert client.post("/logout").status_code == 400


def test_webhook_and_api_blueprints_need_no_csrf_token(client, api_headers):
    response = client.post("/api/v1/enrollments", headers=api_headers,
                           json={"first_name": "Ana", "last_name": "Reyes", "date_of_birth": "1961-04-12",
                                 "phone": "+12025550143", "surgery_date": "2026-11-20",
                                 "timezone": "America/New_York", "language": "en"})
    assert response.status_code == 201
    assert client.post("/twilio/status", data={"MessageSid": "SMx"}).status_code == 403  # signature, not CSRF


def test_security_headers_on_every_response(client, accounts):
    for path in ("/login", "/healthz", "/dashboard/static/dashboard.css"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]
    login(client, accounts.coordinator)
    assert client.get("/dashboard/patients").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_samesite(client, accounts):
    cookie = login(client, accounts.coordinator).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_outside_tests_and_simulator(config):
    from bot.app import create_app

    app = create_app({**config, "TESTING": False})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    app.extensions["runtime"].engine.dispose()


def test_login_never_redirects_off_site(client, accounts):
    token = csrf_token(client)
    for target in ("https://evil.example/x", "//evil.example/x", "/dashboard/review"):
        client.post("/logout")  # fresh session each time (CSRF refusal is fine here)
        response = client.post(f"/login?next={target}", data={"email": accounts.coordinator, "password": PASSWORD,
                                                              "csrf_token": token})
        location = response.headers["Location"]
        assert location == ("/dashboard/review" if target == "/dashboard/review" else "/dashboard/patients")


def test_deactivated_or_changed_password_ends_open_sessions(rt, coord_client, accounts):
    from bot.accounts import hash_password

    assert coord_client.get("/dashboard/patients").status_code == 200
    with rt.session() as s:
        s.scalars(select(User).where(User.email == accounts.coordinator)).one().password_hash = hash_password("x" * 12)
    assert coord_client.get("/dashboard/patients").status_code == 302


def test_admin_pages_are_for_admins_only(coord_client, admin_client):
    for path in ("/dashboard/audit", "/dashboard/tokens"):
        assert coord_client.get(path).status_code == 403
        assert admin_client.get(path).status_code == 200
