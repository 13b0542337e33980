"""End to end in a real Chromium: Alice shares, a stranger opens the link signed out, Bob
reports it, a moderator (not a superuser) hides it in the admin, the link is gone and Alice
reads why on her avatar's page."""

from __future__ import annotations

import html
import time

import pytest
import requests

from tests.e2e.test_browser_flow import shot
from tests.liveserver import LiveSite

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SETUP = """
from django.contrib.auth.models import Group
from accounts.services import profile_for_user, user_create
from avatars.models import Style
from avatars.services.avatars import avatar_create
from skimage import data
from PIL import Image
import io
alice = user_create(username="alice", password="Alice-Secret-123")
profile = profile_for_user(user=alice)
profile.display_name, profile.caption = "Ada", "Hello, world"
profile.save()
user_create(username="bob", password="Bob-Secret-123")
mod = user_create(username="mod", password="Mod-Secret-123")
mod.is_staff = True
mod.save()
mod.groups.add(Group.objects.get(name="Moderators"))
buf = io.BytesIO()
Image.fromarray(data.astronaut()).save(buf, "JPEG", quality=90)
buf.seek(0)
buf.name = "selfie.jpg"
avatar = avatar_create(owner=alice, upload=buf, style=Style.objects.get(slug="comics"))
print(avatar.pk)
"""


@pytest.fixture
def site(tmp_path):
    site = LiveSite(tmp_path)
    site.migrate()
    avatar_id = int(site.shell(SETUP))
    site.start()
    deadline = time.monotonic() + 120
    while site.query("SELECT status FROM avatars_turn")[0][0] != "succeeded":
        assert time.monotonic() < deadline, "the avatar was never drawn"
        time.sleep(0.2)
    site.avatar_id = avatar_id
    yield site
    site.stop(grace=2)


def _log_in(page, site, username: str, password: str, *, admin: bool = False) -> None:
    page.goto(site.url + ("/admin/login/?next=/admin/" if admin else "/accounts/login/"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[type=submit]")
    page.wait_for_load_state()


def _link_preview_card(page, share_url: str) -> None:
    """What a chat app shows for a pasted link, drawn from the page's own Open Graph tags."""
    meta = {}
    for name in ("og:title", "og:description", "og:image", "twitter:card"):
        found = page.locator(f'meta[property="{name}"], meta[name="{name}"]')
        assert found.count() == 1, f"{name} missing"
        meta[name] = found.first.get_attribute("content")
    assert meta["og:image"].startswith("http") and meta["twitter:card"] == "summary_large_image"
    image = requests.get(meta["og:image"], timeout=30)
    assert image.status_code == 200 and image.headers["Content-Type"].startswith("image/")
    card = f"""
      <body style="font-family: sans-serif; background: #e9edf2; padding: 24px">
        <div style="max-width: 420px; background: white; border-radius: 12px; overflow: hidden;
                    box-shadow: 0 1px 4px rgba(0,0,0,.2)">
          <img src="{html.escape(meta["og:image"])}" style="width: 100%; display: block">
          <div style="padding: 12px 16px">
            <div style="color: #667; font-size: 12px">{html.escape(share_url.split("/")[2])}</div>
            <div style="font-weight: bold; margin: 4px 0">{html.escape(meta["og:title"])}</div>
            <div style="color: #445; font-size: 14px">{html.escape(meta["og:description"])}</div>
          </div>
        </div>
      </body>"""
    # Drawn by the chat app, not by us: without our CSP, which would strip the card's styles.
    chat = page.context.browser.new_context(bypass_csp=True, viewport=page.viewport_size)
    card_page = chat.new_page()
    card_page.goto(share_url)
    card_page.set_content(card)
    card_page.wait_for_function(
        "() => document.images[0].complete && document.images[0].naturalWidth > 0"
    )
    shot(card_page, "link-preview")
    chat.close()


def test_share_report_hide_and_the_owner_reads_why(site, page):
    browser = page.context.browser
    avatar_url = f"{site.url}/avatars/{site.avatar_id}/"

    # Alice shares her avatar by link.
    _log_in(page, site, "alice", "Alice-Secret-123")
    page.goto(avatar_url)
    page.click("#share button:has-text('Create link')")
    page.wait_for_load_state()
    share_url = page.input_value("#share-url")
    assert "/s/" in share_url

    # A stranger, signed out, opens it: the picture, the display name and caption, no selfie.
    stranger = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    response = stranger.goto(share_url)
    assert response.status == 200
    body = stranger.inner_text("body")
    assert "Ada" in body and "Hello, world" in body and "alice" not in body
    assert stranger.locator("img[src*='/s/']").count() >= 1
    assert stranger.locator("img[src*='source']").count() == 0
    shot(stranger, "shared-page")
    stranger.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing sticks out
    assert stranger.evaluate("document.documentElement.scrollWidth") <= 390
    shot(stranger, "shared-page-phone")
    stranger.set_viewport_size({"width": 1280, "height": 900})
    _link_preview_card(stranger, share_url)

    # Bob reports it.
    bob = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _log_in(bob, site, "bob", "Bob-Secret-123")
    bob.goto(share_url)
    bob.click("#report summary")
    bob.check("input[name=reason][value=impersonation]")
    bob.fill("textarea[name=note]", "That's my aunt, not Ada")
    bob.click("#report button[type=submit]")
    bob.wait_for_load_state()
    assert "You reported this avatar" in bob.inner_text("#report")

    # A moderator (staff in the Moderators group, not a superuser) hides it from the queue.
    mod = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _log_in(mod, site, "mod", "Mod-Secret-123", admin=True)
    mod.goto(site.url + "/admin/avatars/avatar/")
    assert (
        "impersonation" in mod.inner_text("#result_list").lower()
        or mod.locator("#result_list tr").count() >= 2
    )
    shot(mod, "moderation-queue")
    mod.check(f"input[name=_selected_action][value='{site.avatar_id}']")
    mod.select_option("select[name=action]", "hide")
    mod.fill("input[name=reason]", "Reported as impersonating a real person")
    mod.click("button[name=index]")
    mod.wait_for_load_state()
    assert "hidden" in mod.inner_text("body").lower()

    # The link is gone; Alice reads why.
    assert stranger.goto(share_url).status == 404
    page.goto(avatar_url)
    notice = page.inner_text("#moderation-notice")
    assert "hid this avatar" in notice
    assert "Reported as impersonating a real person" in notice
    shot(page, "owner-sees-why")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "owner-sees-why-phone")
