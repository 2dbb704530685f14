"""Accounts, for the command line and the web alike: dashboard users (email, argon2 password, role,
clinic), API tokens, and the checks every door applies to an email address or a password.

Nothing here knows about Flask or click: `postop user` (bot/users.py), the login page
(bot/web/auth.py), the tokens page and the API all call these functions.
"""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.audit import record
from bot.clinics import clinic_by_name
from bot.models import ApiToken, User

MIN_PASSWORD = 10
MAX_EMAIL = 200
_hasher = PasswordHasher()
# Verifying against this when the email is unknown costs the same time as a real check, so response
# time does not reveal which emails have accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(ValueError):
    pass


def email_problem(email: str) -> str | None:
    """The one check of an email address (users, coordinators): an @, and at most 200 characters."""
    if "@" not in email or len(email) > MAX_EMAIL:
        return "email: not an email address"
    return None


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"password: at least {MIN_PASSWORD} characters"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Always one argon2 verification, against a dummy hash when there is no account."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def user_by_email(session: Session, email: str) -> User | None:
    """Emails are matched whatever their case and surrounding spaces."""
    email = email.strip().lower()
    return session.scalars(select(User).where(func.lower(User.email) == email)).first() if email else None


def create_user(session: Session, email: str, name: str, role: str, clinic_name: str, password: str) -> User:
    email = email.strip().lower()
    if problem := email_problem(email):
        raise AccountError(problem)
    if not name.strip():
        raise AccountError("name: required (it is shown when this person acknowledges an escalation)")
    if problem := password_problem(password):
        raise AccountError(problem)
    if user_by_email(session, email):
        raise AccountError(f"email: {email} already has an account")
    clinic = clinic_by_name(session, clinic_name, create=True)
    user = User(email=email, name=name.strip(), role=role, clinic_id=clinic.id, active=True,
                password_hash=hash_password(password))
    session.add(user)
    session.flush()
    record(session, "cli", "user_created", f"user:{user.id}", {"role": role, "clinic_id": clinic.id})
    return user


def existing_user(session: Session, email: str) -> User:
    user = user_by_email(session, email)
    if user is None:
        raise AccountError(f"no account for {email}")
    return user


def set_password(session: Session, email: str, password: str, actor: str) -> User:
    """Every open session of the user is logged out (bot/web/auth.py keys sessions on the hash)."""
    if problem := password_problem(password):
        raise AccountError(problem)
    user = existing_user(session, email)
    user.password_hash = hash_password(password)
    record(session, actor, "password_set", f"user:{user.id}")
    return user


def deactivate(session: Session, email: str, actor: str) -> User:
    """Disabled at once: its sessions stop working on their next request."""
    user = existing_user(session, email)
    user.active = False
    record(session, actor, "user_deactivated", f"user:{user.id}")
    return user


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_row(session: Session, token: str) -> ApiToken | None:
    return session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()


def create_token(session: Session, clinic_id: int | None, label: str, actor: str, scopes: str = "") -> str:
    """A new API token for a clinic. Returns the token itself: shown once, stored only as a hash."""
    token = "pt_" + secrets.token_urlsafe(32)
    row = ApiToken(clinic_id=clinic_id, token_hash=hash_token(token), label=label, scopes=scopes)
    session.add(row)
    session.flush()
    record(session, actor, "api_token_created", f"token:{row.id}",
           {"label": label, "clinic_id": clinic_id, "scopes": scopes})
    return token
