"""The dashboard's coordinators page: the admin's own clinic's ladder, and adding to it."""
from sqlalchemy import select

from bot.models import Coordinator
from tests.dashboard.conftest import post
from tests.helpers import add_coordinator


def test_an_admin_adds_coordinators_to_their_own_clinic_and_sees_only_theirs(admin_client, rt, accounts):
    add_coordinator(rt, "Kim Baptiste", "+12025550185", 1, clinic="Hillcrest Orthopedics")
    added = post(admin_client, "/dashboard/coordinators", {"name": "Dana Whitfield", "phone": "202 555 0181",
                                                           "email": "dana@riverside.example", "on_call_rank": "1"},
                 page="/dashboard/coordinators")
    assert added.status_code == 302
    with rt.session() as s:
        assert s.scalars(select(Coordinator.clinic_id).where(Coordinator.name == "Dana Whitfield")).one() == (
            accounts.clinic_a)
    page = admin_client.get("/dashboard/coordinators").get_data(as_text=True)
    assert "Dana Whitfield" in page and "+1******0181" in page and "Kim Baptiste" not in page
    bad = post(admin_client, "/dashboard/coordinators", {"name": "X", "phone": "12", "email": "nope"},
               page="/dashboard/coordinators")
    assert bad.status_code == 400 and "phone: not a valid mobile number" in bad.get_data(as_text=True)


def test_coordinators_page_is_for_admins(coord_client):
    assert coord_client.get("/dashboard/coordinators").status_code in (302, 403)
