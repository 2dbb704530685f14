"""Dashboard sign-in: Flask-Login sessions and login throttling (accounts and passwords: bot/accounts.py).

Failed logins are counted in the audit log (keyed by a hash of email + client address), not in
memory, so the limit holds across gunicorn workers and machines and survives a restart.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from bot import accounts
from bot.audit import record
from bot.models import AuditLog, LoginSession, User
from bot.timeutil import utcnow
from bot.vocabulary import Role
from bot.web import db

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__, template_folder="templates")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see this page."
login_manager.session_protection = "basic"

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)

@dataclass
class Account(UserMixin):
    """The logged-in user, detached from the database session (one per request)."""
    id: int
    email: str
    name: str
    role: str
    clinic_id: int | None
    session_id: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def actor(self) -> str:
        """How this user appears in the audit log."""
        return f"{self.name} <{self.email}>"

    def get_id(self) -> str:
        return self.session_id


def _session_id(user: User, token: str) -> str:
    # A fragment of the password hash in the session: changing the password logs out every other
    # session. The token names the server-side LoginSession, which logging out ends.
    return f"{user.id}:{user.password_hash[-12:]}:{token}"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _account(user: User, token: str) -> Account:
    return Account(user.id, user.email, user.name, user.role, user.clinic_id, _session_id(user, token))


@login_manager.user_loader
def _load(session_id: str) -> Account | None:
    user_id, _, rest = session_id.partition(":")
    token = rest.rpartition(":")[2]
    if not user_id.isdigit() or len(user_id) > 12 or not token:
        return None
    session = db()
    user = session.get(User, int(user_id))
    if user is None or not user.active or _session_id(user, token) != session_id:
        return None
    live = session.get(LoginSession, _token_hash(token))
    if live is None or live.ended_at is not None or live.user_id != user.id:
        return None
    return _account(user, token)


def _throttle_key(email: str, address: str) -> str:
    return "login:" + hashlib.sha256(f"{email}|{address}".encode()).hexdigest()[:40]


def recent_failures(email: str, address: str) -> int:
    since = utcnow() - FAILURE_WINDOW
    return db().scalar(select(func.count(AuditLog.id)).where(
        AuditLog.action == "login_failed", AuditLog.subject == _throttle_key(email, address),
        AuditLog.at > since)) or 0


def _safe_next(target: str | None) -> str:
    """Only same-site paths: a crafted ?next=https://evil.example must not bounce a user off-site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("dashboard.roster")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("dashboard.roster"))
    if request.method == "GET":
        return render_template("login.html", error=None, email="")
    email = request.form.get("email", "").strip().lower()[:accounts.MAX_EMAIL]
    password = request.form.get("password", "")
    address = request.remote_addr or "-"
    session = db()
    if recent_failures(email, address) >= MAX_FAILURES:
        minutes = int(FAILURE_WINDOW.total_seconds() // 60)
        return render_template("login.html", email=email, error=(
            f"Too many failed attempts. For your account's safety, wait {minutes} minutes and try again, "
            "or ask an admin to reset your password.")), 429
    user = accounts.user_by_email(session, email)
    # Always one argon2 verification, against the dummy hash when there is no such user: the
    # answer takes as long for an unknown email as for a wrong password (bench/login_timing.py).
    password_ok = accounts.check_password(user.password_hash if user is not None else None, password)
    if user is None or not password_ok or not user.active:
        record(session, "anonymous", "login_failed", _throttle_key(email, address),
               {"known_user": user is not None})
        session.commit()
        log.info("dashboard login failed (user known: %s)", user is not None)
        return render_template("login.html", email=email, error="Wrong email or password."), 401
    if accounts.needs_rehash(user.password_hash):
        user.password_hash = accounts.hash_password(password)
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(token_hash=_token_hash(token), user_id=user.id, created_at=utcnow()))
    account = _account(user, token)
    record(session, account.actor, "login", f"user:{user.id}")
    session.commit()
    login_user(account)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
@login_required
def logout():
    session = db()
    token = current_user.session_id.rpartition(":")[2]
    live = session.get(LoginSession, _token_hash(token))
    if live is not None:
        live.ended_at = utcnow()  # the cookie, wherever a copy of it is, no longer signs anyone in
    record(session, current_user.actor, "logout", f"user:{current_user.id}")
    session.commit()
    logout_user()
    return redirect(url_for("auth.login"))


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapper
