"""A stranger opens Alice's link: the picture, its style, her display name and caption, a
preview card for chat apps, and nothing else of hers. A link that isn't live is a 404."""

import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from accounts.services import profile_for_user
from avatars.ai_marks import DIGITAL_SOURCE_TYPE
from avatars.models import Avatar, Report, Turn
from avatars.sharing.services import avatar_share

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(alice, alice_avatar):
    profile = profile_for_user(user=alice)
    profile.display_name = "Captain Alice"
    profile.caption = "To infinity"
    profile.backstory = "Grew up in Ohio; my cat is called Biscuit."
    profile.save()
    alice.email = "alice@example.com"
    alice.save()
    return avatar_share(avatar=alice_avatar)


def page(client, avatar):
    response = client.get(f"/s/{avatar.share_token}/")
    assert response.status_code == 200
    return response, response.content.decode()


def meta(html, key):
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return found and found.group(1)


def body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def test_a_signed_out_visitor_sees_the_picture_style_name_and_caption(client, shared):
    _, html = page(client, shared)
    assert "Captain Alice" in html
    assert "To infinity" in html
    assert "Comics style" in html
    assert "AI-generated image" in html
    assert f'src="/s/{shared.share_token}/image.png"' in html


def test_nothing_else_of_the_owner_reaches_the_page(client, shared):
    _, html = page(client, shared)
    for private in (
        "alice@example.com",
        "Biscuit",  # the backstory
        "alice-Secret",
        ">alice<",  # the username
        f"/avatars/{shared.pk}/",  # her own pages, the selfie, the other versions
        "source.jpg",
        "/media/",
    ):
        assert private not in html, private


def test_a_pasted_link_previews(client, shared):
    _, html = page(client, shared)
    token = shared.share_token
    assert meta(html, "og:title") == "Captain Alice’s Comics avatar"
    assert meta(html, "og:description") == "To infinity"
    assert meta(html, "og:type") == "website"
    assert meta(html, "og:url") == f"http://testserver/s/{token}/"
    assert meta(html, "og:image") == f"http://testserver/s/{token}/image.png"
    assert meta(html, "og:image:width") == "1024"
    assert meta(html, "twitter:card") == "summary_large_image"
    assert meta(html, "twitter:image") == f"http://testserver/s/{token}/image.png"


def test_the_page_is_not_for_search_engines_or_caches(client, shared):
    response, html = page(client, shared)
    assert '<meta name="robots" content="noindex">' in html
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-cache" in response["Cache-Control"]  # a stopped link stops at once


def test_the_png_is_the_stored_file_with_its_ai_made_mark(client, shared):
    response = client.get(f"/s/{shared.share_token}/image.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(body(response))) as im:
        assert im.text["AI-Generated"] == "true"
        assert im.text["DigitalSourceType"] == DIGITAL_SOURCE_TYPE


def test_the_webp_carries_the_ai_made_mark(client, shared):
    response = client.get(f"/s/{shared.share_token}/image.webp")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(body(response))) as im:
        assert im.format == "WEBP"
        xmp = im.info["xmp"]
        assert DIGITAL_SOURCE_TYPE in (xmp.decode() if isinstance(xmp, bytes) else xmp)


def test_link_preview_crawlers_may_ask_with_head(client, shared):
    assert client.head(f"/s/{shared.share_token}/").status_code == 200
    assert client.head(f"/s/{shared.share_token}/image.png").status_code == 200


def test_other_image_formats_are_404(client, shared):
    assert client.get(f"/s/{shared.share_token}/image.gif").status_code == 404


def test_a_made_up_token_is_404(client, shared):
    assert client.get("/s/not-a-real-token-at-all/").status_code == 404
    assert client.get("/s/not-a-real-token-at-all/image.png").status_code == 404


# --- when a link is not live -----------------------------------------------------------------


def dead(client, avatar):
    token = avatar.share_token
    return all(
        client.get(url).status_code == 404
        for url in (f"/s/{token}/", f"/s/{token}/image.png", f"/s/{token}/image.webp")
    )


def test_a_hidden_or_removed_avatar_is_404(client, shared):
    Avatar.objects.filter(pk=shared.pk).update(moderation=Avatar.Moderation.HIDDEN)
    assert dead(client, shared)
    Avatar.objects.filter(pk=shared.pk).update(moderation=Avatar.Moderation.REMOVED)
    assert dead(client, shared)


def test_a_flagged_avatar_stays_up_until_a_moderator_decides(client, shared):
    Avatar.objects.filter(pk=shared.pk).update(moderation=Avatar.Moderation.FLAGGED)
    page(client, shared)


def test_a_suspended_owners_links_are_404(client, shared, alice):
    alice.suspended_at = timezone.now()
    alice.save()
    assert dead(client, shared)


def test_a_private_avatar_with_a_stale_token_is_404(client, shared):
    Avatar.objects.filter(pk=shared.pk).update(visibility=Avatar.Visibility.PRIVATE)
    assert dead(client, shared)


def test_open_reports_at_the_limit_pause_the_link_and_resolving_them_revives_it(
    client, shared, settings, bob
):
    settings.PIXME_REPORTS_TO_HIDE = 1
    report = Report.objects.create(
        avatar=shared, reporter=bob, reason=Report.Reason.SPAM, established=True
    )
    assert dead(client, shared)
    Report.objects.filter(pk=report.pk).update(resolved=True)  # a moderator approved it
    page(client, shared)


# --- cost ------------------------------------------------------------------------------------


def pad_with(owner, avatar, count):
    """Give the owner ``count`` avatars in all, and the shared one ``count`` versions."""
    others = [
        Avatar(owner=owner, style=avatar.style, source=avatar.source.name)
        for _ in range(count - owner.avatars.count())
    ]
    Avatar.objects.bulk_create(others)
    start = avatar.turns.count() + 1
    Turn.objects.bulk_create(
        Turn(
            avatar=avatar,
            number=n,
            kind=Turn.Kind.EDIT,
            status=Turn.Status.SUCCEEDED,
            image=avatar.current_turn.image.name,
            finished_at=timezone.now() - timedelta(minutes=n),
        )
        for n in range(start, count + 1)
    )
    assert owner.avatars.count() == count and avatar.turns.count() == count


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_the_page_costs_the_same_queries_for_5_and_for_50_avatars(
    client, shared, alice, bob, signed_in
):
    if signed_in:
        client.force_login(bob)

    def cost():
        with CaptureQueriesContext(connection) as queries:
            page(client, shared)
            client.get(f"/s/{shared.share_token}/image.webp")
        return len(queries)

    pad_with(alice, shared, 5)
    five = cost()
    pad_with(alice, shared, 50)
    fifty = cost()
    assert five == fifty
    # The page and the image: one query each finds the link with its version, style and the
    # owner's profile. Signed in, the page also reads the session, the user and "has this
    # visitor reported it already?".
    assert five == (5 if signed_in else 2)
