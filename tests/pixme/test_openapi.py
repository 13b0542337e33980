"""The API's contract: served at /api/schema/ with docs at /api/docs/ (no CDN), valid with no
warnings, and checked in as docs/openapi.yaml so every API change shows up in review."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
REGENERATE = (
    "PIXME_VAR_DIR=/tmp/pvD .venv/bin/python manage.py spectacular --file docs/openapi.yaml"
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker) -> str:
    out = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    with django_db_blocker.unblock():
        # --validate --fail-on-warn: an invalid schema or any warning fails here.
        call_command("spectacular", file=str(out), validate=True, fail_on_warn=True)
    return out.read_text()


def test_the_committed_schema_is_the_one_the_code_makes(generated):
    committed = COMMITTED.read_text() if COMMITTED.exists() else ""
    if generated != committed:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    generated.splitlines(keepends=True),
                    "docs/openapi.yaml (committed)",
                    "docs/openapi.yaml (from the code)",
                )
            )[:80]
        )
        pytest.fail(
            f"The API changed but docs/openapi.yaml did not. Regenerate it with\n\n"
            f"    {REGENERATE}\n\nand commit it (reviewers read its diff as the API change).\n\n"
            f"{diff}",
            pytrace=False,
        )


def test_the_schema_is_served_as_json(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/avatars/", "/api/avatars/{avatar_id}/", "/api/token/"} <= set(schema["paths"])


def test_the_docs_work_offline(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_every_operation_answers_in_the_one_error_shape(client, db):
    schema = client.get("/api/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            name = f"{method.upper()} {path}"
            assert any(code.startswith("2") for code in responses), name
            if operation.get("security") != [{}] and "security" in operation:
                assert "401" in responses, f"{name} does not document 401"
            for code, response in responses.items():
                if code.startswith(("4", "5")):
                    (body,) = response["content"].values()
                    assert body["schema"] == {"$ref": "#/components/schemas/Error"}, (name, code)


def test_creates_document_their_location_and_idempotency_key(client, db):
    schema = client.get("/api/schema/?format=json").json()
    for path in ("/api/avatars/", "/api/avatars/{avatar_id}/edits/"):
        post = schema["paths"][path]["post"]
        assert "Location" in post["responses"]["202"]["headers"]
        assert "Idempotency-Key" in [p["name"] for p in post["parameters"]]
        assert {"409", "422"} <= set(post["responses"])
    detail = schema["paths"]["/api/avatars/{avatar_id}/"]["get"]
    assert "304" in detail["responses"] and "ETag" in detail["responses"]["200"]["headers"]
    files = schema["paths"]["/api/avatars/{avatar_id}/turns/{turn_id}/{kind}"]["get"]
    assert set(files["responses"]["200"]["content"]) == {"image/png", "image/webp"}
