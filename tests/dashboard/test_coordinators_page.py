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


def test_everyone_sees_the_coordinators_and_only_admins_change_them(coord_client, admin_client, rt, accounts):
    dana = add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    page = coord_client.get("/dashboard/coordinators")
    assert page.status_code == 200 and "Dana Whitfield" in page.get_data(as_text=True)
    assert "Edit Dana Whitfield" not in page.get_data(as_text=True)
    assert post(coord_client, "/dashboard/coordinators", {"name": "X", "phone": "202 555 0182", "email": "x@y.z"},
                page="/dashboard/coordinators").status_code == 403
    assert coord_client.get(f"/dashboard/coordinators/{dana.id}").status_code == 403
    assert post(coord_client, f"/dashboard/coordinators/{dana.id}/remove", page="/dashboard/coordinators"
                ).status_code == 403


def test_an_admin_edits_and_removes_a_coordinator(admin_client, rt, accounts):
    dana = add_coordinator(rt, "Dana Whitfield", "+12025550181", 1)
    kim = add_coordinator(rt, "Kim Baptiste", "+12025550185", 1, clinic="Hillcrest Orthopedics")
    edited = post(admin_client, f"/dashboard/coordinators/{dana.id}", {"name": "Dana Whitfield-Ross",
                  "phone": "202 555 0181", "email": "dana@riverside.example", "on_call_rank": "2"},
                  page="/dashboard/coordinators")
    assert edited.status_code == 302
    with rt.session() as s:
        row = s.get(Coordinator, dana.id)
        assert (row.name, row.on_call_rank) == ("Dana Whitfield-Ross", 2)
    assert admin_client.get(f"/dashboard/coordinators/{kim.id}").status_code == 404  # another clinic's
    assert post(admin_client, f"/dashboard/coordinators/{dana.id}/remove", page="/dashboard/coordinators"
                ).status_code == 302
    with rt.session() as s:
        assert s.get(Coordinator, dana.id).active is False
    listed = admin_client.get("/dashboard/coordinators").get_data(as_text=True)
    assert 'data-label="Name">Dana Whitfield-Ross<' not in listed


def test_the_on_call_page_sets_the_clinics_time_zone_and_paging_calls(admin_client, coord_client, rt, accounts):
    from bot.models import Clinic
    assert "Nobody is on call now" in coord_client.get("/dashboard/oncall").get_data(as_text=True)
    assert post(coord_client, "/dashboard/oncall/calls", {"tiers": "urgent"}, page="/dashboard/oncall"
                ).status_code == 403
    assert post(admin_client, "/dashboard/oncall/timezone", {"timezone": "Mars/Olympus"},
                page="/dashboard/oncall").status_code == 400
    post(admin_client, "/dashboard/oncall/timezone", {"timezone": "America/Denver"}, page="/dashboard/oncall")
    post(admin_client, "/dashboard/oncall/calls", {"tiers": ["emergency", "urgent"]}, page="/dashboard/oncall")
    with rt.session() as s:
        settings = s.get(Clinic, accounts.clinic_a).settings
    assert settings == {"timezone": "America/Denver", "page_calls": ["emergency", "urgent"]}
    assert "times in America/Denver" in admin_client.get("/dashboard/oncall").get_data(as_text=True)
