"""Every image Pix Me! generates says it is AI-made, in PNG and WebP downloads alike."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from avatars.ai_marks import DIGITAL_SOURCE_TYPE

pytestmark = pytest.mark.django_db


def download(client, avatar, fmt):
    url = reverse("avatars:turn-download", args=[avatar.pk, avatar.current_turn.pk, fmt])
    response = client.get(url)
    assert response.status_code == 200
    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    return response, body


def test_png_download_is_marked_ai_made(alice_client, alice_avatar):
    response, body = download(alice_client, alice_avatar, "png")
    assert response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    with Image.open(io.BytesIO(body)) as im:
        assert im.format == "PNG"
        assert im.text["AI-Generated"] == "true"
        assert im.text["DigitalSourceType"] == DIGITAL_SOURCE_TYPE
        assert im.text["Engine"] == "studio"
        assert im.text["Style"] == "comics"
        xmp = im.info["xmp"]
        assert DIGITAL_SOURCE_TYPE in (xmp.decode() if isinstance(xmp, bytes) else xmp)


def test_webp_download_is_marked_ai_made(alice_client, alice_avatar):
    response, body = download(alice_client, alice_avatar, "webp")
    assert response["Content-Type"] == "image/webp"
    with Image.open(io.BytesIO(body)) as im:
        assert im.format == "WEBP"
        xmp = im.info["xmp"]
        xmp = xmp.decode() if isinstance(xmp, bytes) else xmp
        assert DIGITAL_SOURCE_TYPE in xmp
        assert 'pixme:engine="studio"' in xmp and 'pixme:style="comics"' in xmp
        assert im.size == (1024, 1024)


def test_unknown_download_formats_are_404(alice_client, alice_avatar):
    url = reverse(
        "avatars:turn-download", args=[alice_avatar.pk, alice_avatar.current_turn.pk, "gif"]
    )
    assert alice_client.get(url).status_code == 404


def test_deleting_an_avatar_leaves_no_empty_folder(
    alice_avatar, django_capture_on_commit_callbacks
):
    from pathlib import Path

    from avatars.services.avatars import avatar_delete

    folder = Path(alice_avatar.source.path).parent
    assert folder.is_dir()
    with django_capture_on_commit_callbacks(execute=True):
        avatar_delete(avatar=alice_avatar)
    assert not folder.exists()
