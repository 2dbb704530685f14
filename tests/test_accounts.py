"""bot/accounts.py: the one check of an email address and the one way to find a user by email,
shared by `postop user`, the login page and the coordinators' forms."""
import pytest

from bot import accounts, coordinators
from bot.models import User


def test_an_email_needs_an_at_sign_and_at_most_200_characters():
    assert accounts.email_problem("sam.coord@riverside.example") is None
    assert accounts.email_problem("sam.coord") == "email: not an email address"
    assert accounts.email_problem("s@" + "r" * 198) is None
    assert accounts.email_problem("s@" + "r" * 199) == "email: not an email address"
    # Coordinators' emails go through the same check.
    with pytest.raises(coordinators.CoordinatorError) as e:
        coordinators.validate({"name": "Kim", "phone": "+12025550181", "email": "kim"}, "US")
    assert e.value.errors == ["email: not an email address"]


def test_a_user_is_found_by_email_whatever_its_case_and_spaces(rt):
    with rt.session() as s:
        s.add(User(email="dana.admin@riverside.example", name="Dana Whitfield", password_hash="-", role="admin"))
    with rt.session() as s:
        assert accounts.user_by_email(s, "  Dana.Admin@Riverside.EXAMPLE ").name == "Dana Whitfield"
        assert accounts.user_by_email(s, "sam.coord@riverside.example") is None
        assert accounts.user_by_email(s, "") is None
        with pytest.raises(accounts.AccountError, match="no account for sam"):
            accounts.deactivate(s, "sam.coord@riverside.example", "test")
