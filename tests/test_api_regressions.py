"""What contract testing (tests/test_contract.py, schemathesis) found, kept as plain tests:
each answer below once broke the documented contract."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
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
