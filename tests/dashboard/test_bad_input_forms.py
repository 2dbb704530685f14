"""The dashboard refuses a NUL in a search or a form with a 400 and a reason, never a 500."""
from tests.dashboard.conftest import post


def test_a_nul_in_the_roster_search_is_400(coord_client):
    response = coord_client.get("/dashboard/?q=An%00a")
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)


def test_a_nul_in_the_enroll_form_is_400(coord_client):
    response = post(coord_client, "/dashboard/enroll", {"first_name": "An\x00a", "phone": "202 555 0143",
                                                        "surgery_date": "2026-11-20", "timezone": "America/Chicago",
                                                        "language": "es"})
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
