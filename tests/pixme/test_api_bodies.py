"""Whatever body arrives — any depth, any encoding, any bytes — the API answers 4xx in its
error shape, never a 500 (anonymous callers included)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.conftest import api_token

pytestmark = pytest.mark.django_db

NESTED = b'{"a":' + b"[" * 1000 + b"]" * 1000 + b"}"  # 2 KB, deeper than Python's recursion


@pytest.fixture
def api(alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice)}")
    return client


def _send(client, method: str, path: str, body: bytes, content_type: str):
    return getattr(client, method)(path, data=body, content_type=content_type)


def _endpoints(avatar_id: int):
    return [
        ("post", "/api/token/"),
        ("patch", "/api/profile/"),
        ("post", f"/api/avatars/{avatar_id}/edits/"),
        ("post", "/api/avatars/"),
    ]


def _assert_no_server_error(response) -> None:
    """A 2xx (the body made sense after all) or a 4xx that says why as JSON."""
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body, dict) and body, body


def test_deeply_nested_json_is_a_400_everywhere(api, alice_avatar):
    for method, path in _endpoints(alice_avatar.pk):
        response = _send(api, method, path, NESTED, "application/json")
        assert response.status_code in (400, 415), (path, response.status_code)
        if response.status_code == 400:
            assert "nested too deeply" in response.json()["detail"], path
            assert response.json()["code"] == "parse_error"


def test_deeply_nested_json_on_the_token_endpoint_needs_no_account(db):
    response = _send(APIClient(), "post", "/api/token/", NESTED, "application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - the body is nested too deeply.",
        "code": "parse_error",
    }


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=klingon",
        "application/json; charset=utf-16",
        "application/x-www-form-urlencoded; charset=klingon",
        "multipart/form-data; boundary=",
        "multipart/form-data",
        "text/plain",
    ],
)
def test_unknown_or_lying_encodings_never_break_the_api(api, alice_avatar, content_type):
    for method, path in _endpoints(alice_avatar.pk):
        response = _send(api, method, path, b'{"instruction": "caf\xc3\xa9"}', content_type)
        _assert_no_server_error(response)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=8), inner, max_size=3)
            ),
            max_leaves=20,
        ).map(lambda v: __import__("json").dumps(v).encode()),
    ),
    content_type=st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; b=x"]
    ),
)
def test_any_body_is_answered_without_a_server_error(api, alice_avatar, body, content_type):
    for method, path in _endpoints(alice_avatar.pk):
        response = _send(api, method, path, body, content_type)
        _assert_no_server_error(response)


def test_a_body_over_djangos_limit_is_a_413_in_words(api, settings):
    big = b'{"backstory": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
    for client, method, path in [
        (api, "patch", "/api/profile/"),
        (APIClient(), "post", "/api/token/"),
    ]:
        response = _send(client, method, path, big, "application/json")
        assert response.status_code == 413, path
        assert response.json()["code"] == "too_large"
        assert "MB" in response.json()["detail"]


def test_too_many_form_fields_is_a_400_in_the_apis_shape(db):
    body = "&".join(f"f{i}=1" for i in range(2000)).encode()
    response = _send(APIClient(), "post", "/api/token/", body, "application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json() == {"detail": "This request has too many fields.", "code": "parse_error"}


def test_a_missing_field_is_a_400_in_the_apis_shape(db):
    response = APIClient().post("/api/token/", {"username": "alice"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "password: This field is required.",
        "code": "invalid",
        "errors": {"password": ["This field is required."]},
    }
