"""`postop user create` makes the first admin; `postop user token` makes a clinic's API token."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from bot.accounts import hash_token
from bot.cli import main
from bot.models import ApiToken, Clinic, User
from tests.conftest import FIXTURE_CONTENT


def run(database_url: str, args: list[str], stdin: str | None = None):
    env = {"DATABASE_URL": database_url, "CONTENT_DIR": str(FIXTURE_CONTENT), "TWILIO_ACCOUNT_SID": "",
           "TWILIO_AUTH_TOKEN": "", "SECRET_KEY": "cli-test-secret-key"}
    return CliRunner().invoke(main, args, input=stdin, env=env, catch_exceptions=False)


def test_create_the_first_admin_with_a_new_clinic(rt, database_url):
    result = run(database_url, ["user", "create", "--email", "Dana.Admin@Riverside.example", "--name", "Dana Whitfield",
                                "--role", "admin", "--clinic", "Riverside Spine Center", "--password-stdin"],
                 "correct horse battery staple\n")
    assert result.exit_code == 0, result.output
    assert "created admin dana.admin@riverside.example" in result.output
    with rt.session() as s:
        user = s.scalars(select(User)).one()
        assert (user.role, user.name, user.active) == ("admin", "Dana Whitfield", True)
        assert user.password_hash.startswith("$argon2id$")
        assert s.get(Clinic, user.clinic_id).name == "Riverside Spine Center"


def test_prompted_password_must_be_confirmed_and_long_enough(rt, database_url):
    args = ["user", "create", "--email", "sam@riverside.example", "--name", "Sam", "--clinic", "Riverside"]
    mismatch = run(database_url, args, "long enough pw 1\nlong enough pw 2\nlong enough pw 1\nlong enough pw 1\n")
    assert "do not match" in mismatch.output and mismatch.exit_code == 0
    short = run(database_url, args[:2] + ["--email", "x@riverside.example"] + args[4:] + ["--password-stdin"],
                "short\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    dup = run(database_url, args + ["--password-stdin"], "long enough pw 1\n")
    assert dup.exit_code != 0 and "already has an account" in dup.output
    with rt.session() as s:
        assert len(s.scalars(select(User)).all()) == 1
        assert len(s.scalars(select(Clinic)).all()) == 1  # the second user joined the existing clinic


def test_token_is_printed_once_and_stored_hashed(rt, database_url):
    run(database_url, ["user", "create", "--email", "a@riverside.example", "--name", "A", "--role", "admin",
                       "--clinic", "Riverside", "--password-stdin"], "correct horse battery\n")
    result = run(database_url, ["user", "token", "--clinic", "riverside", "--label", "EHR"])
    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("pt_")
    with rt.session() as s:
        row = s.scalars(select(ApiToken)).one()
        assert row.token_hash == hash_token(token) and row.label == "EHR"
    missing = run(database_url, ["user", "token", "--clinic", "Nowhere"])
    assert missing.exit_code != 0 and "no clinic named" in missing.output
