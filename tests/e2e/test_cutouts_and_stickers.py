"""The avatar page's cut-out panel and sticker-pack builder in a real Chromium (their scripts:
static/js/cutout.js, static/js/stickers.js)."""

from __future__ import annotations

import time

import pytest

from tests.e2e.test_avatar_extras import axe_check
from tests.e2e.test_avatar_page_layout import ada_site, log_in, overflow
from tests.e2e.test_browser_flow import shot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Three takes: three finished versions of one avatar, enough for a WhatsApp pack (3-30).


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # Drawn, and each version's person mask kept (the after-work).
    with ada_site(
        tmp_path_factory, "cutouts", takes=3, ready="status = 'succeeded' AND person IS NOT NULL"
    ) as site:
        yield site


def natural_widths(page, blob: bool = False) -> list[int]:
    """Each preview's decoded width (0 while loading; with ``blob``, until the script's
    redrawn picture is in)."""
    return page.eval_on_selector_all(
        ".cutout-preview",
        "(imgs, blob) => imgs.map(img => img.complete && (!blob || img.src.startsWith('blob:'))"
        " ? img.naturalWidth : 0)",
        blob,
    )


def drawn(page, *, blob: bool = False, timeout: float = 30) -> list[int]:
    """The previews' widths once all three are drawn (polled from here: the page's CSP
    refuses the string predicates wait_for_function would evaluate)."""
    deadline = time.monotonic() + timeout
    while not all(widths := natural_widths(page, blob)):
        assert time.monotonic() < deadline, f"previews never drawn: {widths}"
        time.sleep(0.1)
    return widths


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 900)])
def test_the_outline_slider_redraws_the_previews_and_the_downloads(site, page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, site)
    page.goto(site.avatar_url)
    assert page.locator("#cutout-update").is_hidden(), "the script redraws: no button"
    # The page opens with an 8 px outline: the version grows by 9 px a side.
    (side,) = {w for (w,) in site.query("SELECT width FROM avatars_turn")}
    assert drawn(page) == [side + 18] * 3
    backgrounds = page.eval_on_selector_all(
        ".cutout-preview", "imgs => imgs.map(img => getComputedStyle(img).backgroundImage)"
    )
    assert "gradient" in backgrounds[0], "the transparent one lies on a chequerboard"

    page.fill("#cutout-outline", "16")
    page.check("#cutout-shadow")
    png = page.locator("#cutout-download-png[href*='outline=16&shadow=1']")
    png.wait_for(state="attached", timeout=30_000)
    widths = drawn(page, blob=True)
    assert page.inner_text("#cutout-outline-value") == "16"
    assert len(set(widths)) == 1 and widths[0] > side + 34  # the outline and the shadow
    with page.expect_download() as download:
        png.click()
    assert download.value.suggested_filename.endswith("-cutout-outline16-shadow.png")
    assert overflow(page) <= 0
    shot(page, f"avatar-cutout-{width}")
    axe_check(page)


def test_a_whatsapp_pack_is_made_and_offered(site, page):
    from avatars.stickers.files import sticker_pack_check

    log_in(page, site)
    page.goto(site.avatar_url + "#stickers")
    boxes = page.locator("#sticker-form input[name=turns]")
    assert boxes.count() == 3
    assert page.inner_text("#sticker-count") == "(3 chosen)"

    boxes.nth(0).uncheck()
    page.select_option("#sticker-messenger", "whatsapp")
    page.click("#sticker-make")
    assert page.inner_text("#sticker-status") == "WhatsApp takes 3–30 stickers; you chose 2."
    assert site.query("SELECT COUNT(*) FROM avatars_stickerpack")[0][0] == 0

    boxes.nth(0).check()
    page.click("#sticker-make")
    link = page.locator("#sticker-packs a", has_text="Download the zip")
    link.wait_for(timeout=60_000)
    assert page.inner_text("#sticker-status") == "Your stickers are ready."
    assert "3 stickers" in page.inner_text("#sticker-packs")
    zipped = page.request.get(link.get_attribute("href"))
    assert zipped.status == 200 and zipped.headers["content-type"] == "application/zip"
    assert sticker_pack_check(zipped.body(), messenger="whatsapp") == []
    # Its three stickers shown on a chequerboard, dark and light, as WhatsApp gets them.
    shown = "#sticker-packs .sticker-ground img"
    assert page.locator(shown).count() == 9
    deadline = time.monotonic() + 30
    while page.eval_on_selector_all(shown, "imgs => imgs.map(i => i.naturalWidth)") != [512] * 9:
        assert time.monotonic() < deadline, "the sticker previews never loaded"
        time.sleep(0.1)
    assert overflow(page) <= 0
    shot(page, "avatar-stickers")
    axe_check(page)
