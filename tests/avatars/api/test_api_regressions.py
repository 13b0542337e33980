"""What contract testing (tests/pixme/test_contract.py, schemathesis) found, kept as plain tests:
each answer below once broke the documented contract."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.conftest import api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice)}")
    return client


def test_a_missing_object_is_a_404_with_a_code(api):
    # Views raise Django's Http404; the handler looked for a code before DRF converted it.
    for response in (
        api.get("/api/avatars/999/"),
        api.post("/api/avatars/999/edits/", {"instruction": "x"}, format="json"),
        api.get("/api/avatars/999/turns/1/image.png"),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_a_url_no_view_matches_is_a_json_404_under_the_api(api, client):
    # A negative id does not match <int:avatar_id>: Django's HTML 404 page answered.
    response = api.get("/api/avatars/-1/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_an_id_too_large_for_the_database_is_never_a_500(api, alice_avatar):
    huge = 2**64
    turn = alice_avatar.current_turn_id
    for response in (
        api.get(f"/api/avatars/{huge}/"),
        api.post(f"/api/avatars/{alice_avatar.pk}/turns/{huge}/retry/"),
        api.get(f"/api/avatars/{huge}/turns/{turn}/image.png"),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["code"] == "not_found"
    # In a body it is a number out of range, said as such (pixme.numbers;
    # tests/pixme/test_numbers.py).
    for response in (
        api.post(
            f"/api/avatars/{alice_avatar.pk}/edits/",
            {"instruction": "add a hat", "parent": huge},
            format="json",
        ),
        api.post(f"/api/avatars/{alice_avatar.pk}/share/", {"turn": huge}, format="json"),
    ):
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "invalid"
    assert alice_avatar.turns.count() == 1


def test_the_catalogue_matches_its_schema_for_every_engine(api):
    # The studio's capabilities had no "references" (Gemini's do) while the schema said
    # required: the studio now says 0, and the field is required for every engine.
    (studio,) = api.get("/api/styles/").json()["models"]
    assert studio["default"]["references"] == 0
    schema = api.get("/api/schema/?format=json").json()
    assert "references" in schema["components"]["schemas"]["EngineModel"]["required"]


def test_the_avatar_list_opened_in_a_browser_is_a_page_not_a_500(alice_client):
    """DRF's browsable API draws the list's create form from the view's serializer."""
    response = alice_client.get("/api/avatars/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]
