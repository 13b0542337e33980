"""`manage.py pixme_models`: what this key can use, against the fake Gemini server."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tests.fakes.fixtures import TEST_API_KEY

pytestmark = pytest.mark.django_db(databases=[])


def run(capsys) -> str:
    call_command("pixme_models")
    return capsys.readouterr().out


def rows(out: str) -> dict[str, str]:
    """'  name   what' lines as {name: what} (the last line for a name wins)."""
    found = {}
    for line in out.splitlines():
        if line.startswith("  "):
            name, _, what = line.strip().partition(" ")
            found[name] = what.strip()
    return found


def test_it_lists_the_image_models_and_marks_the_configured_ones(
    gemini_settings, gemini_server, capsys
):
    out = run(capsys)
    assert "Image models this key can use (3):" in out
    listed = rows(out.split("Configured")[0])
    assert list(listed) == [
        "gemini-3-pro-image",
        "gemini-3.1-flash-image",
        "gemini-3.1-flash-lite-image",
    ]
    assert listed["gemini-3.1-flash-lite-image"].startswith("Nano Banana 2 Lite: 1K;")
    assert "signs its images (C2PA)" in listed["gemini-3.1-flash-lite-image"]
    configured = rows(out.split("Configured")[1])
    assert configured == {
        "gemini-3.1-flash-image": "present (default)",
        "gemini-3-pro-image": "present",
        "gemini-3.1-flash-lite-image": "present",
    }
    assert "checked against Google's pages 2026-11-25" in out
    assert (gemini_server.last.method, gemini_server.last.headers["x-goog-api-key"]) == (
        "GET",
        TEST_API_KEY,
    )


def test_it_follows_every_page_of_the_list(gemini_settings, gemini_server, capsys):
    text_models = [(f"gemini-text-{i}", "Text", ["generateContent"]) for i in range(60)]
    gemini_server.models = text_models + gemini_server.models  # the image models on page 2
    out = run(capsys)
    assert "Image models this key can use (3):" in out
    assert len([r for r in gemini_server.requests if r.method == "GET"]) == 2


def test_a_missing_model_is_marked_and_a_missing_default_fails(
    gemini_settings, gemini_server, capsys
):
    gemini_server.models = [m for m in gemini_server.models if m[0] != "gemini-3-pro-image"]
    out = run(capsys)
    assert rows(out.split("Configured")[1])["gemini-3-pro-image"] == "MISSING"
    assert "1 configured model(s) missing: gemini-3-pro-image." in out

    gemini_server.models = [m for m in gemini_server.models if m[0] != "gemini-3.1-flash-image"]
    with pytest.raises(CommandError, match="default model gemini-3.1-flash-image is missing"):
        call_command("pixme_models")
    assert "gemini-3.1-flash-image" in capsys.readouterr().out


def test_retired_names_in_the_settings_are_shown_with_what_they_are_read_as(
    gemini_settings, gemini_server, capsys
):
    gemini_settings.GEMINI_MODELS = ["gemini-2.5-flash-image", "gemini-3-pro-image-preview"]
    out = run(capsys)
    configured = out.split("Configured")[1]
    assert "gemini-2.5-flash-image           retired: read as gemini-3.1-flash-image" in configured
    assert rows(configured)["gemini-3.1-flash-image"] == "present (default)"
    assert rows(configured)["gemini-3-pro-image"] == "present"


def test_a_refused_key_exits_non_zero_without_showing_it(gemini_settings, gemini_server):
    gemini_server.script("403")
    with pytest.raises(CommandError, match="Gemini didn't list its models") as caught:
        call_command("pixme_models")
    assert "PERMISSION_DENIED" in str(caught.value) and TEST_API_KEY not in str(caught.value)


def test_without_a_key_it_says_so(settings):
    settings.GEMINI_API_KEY = ""
    with pytest.raises(CommandError, match="GEMINI_API_KEY is not set"):
        call_command("pixme_models")
