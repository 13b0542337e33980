"""The avatar page's takes, reel and Content Credentials badge in a real Chromium."""

from __future__ import annotations

import pytest

from tests.e2e.test_avatar_page_layout import ada_site, log_in, overflow
from tests.e2e.test_browser_flow import shot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # Both takes drawn and their likeness measured (the ranking needs it).
    with ada_site(
        tmp_path_factory,
        "extras",
        style="pop-art",
        takes=2,
        ready="status = 'succeeded' AND likeness > 0",
    ) as site:
        yield site


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 900)])
def test_takes_reel_and_credentials(site, page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, site)
    page.goto(site.avatar_url)
    takes = page.locator("#takes li.take")
    assert takes.count() == 2
    assert "Best:" in takes.nth(0).inner_text()

    page.click("#reel-play")
    page.locator("#reel-image[src]").wait_for(state="visible", timeout=60_000)
    assert page.locator("#reel-downloads").is_visible()
    assert page.inner_text("#reel-status") == "Your reel is ready."
    natural = page.eval_on_selector("#reel-image", "img => img.naturalWidth")
    assert 0 < natural <= 720
    assert overflow(page) <= 0
    shot(page, f"avatar-extras-{width}")
    axe_check(page)

    with page.expect_navigation():
        page.click("#credentials-badge")
    assert "Signed by Pix Me!" in page.inner_text("#verdict")
    assert "Created by a trained model (AI)" in page.inner_text("#verdict")
    assert overflow(page) <= 0
    axe_check(page)


def axe_check(page) -> None:
    """Nothing serious or critical for axe-core (as tests/e2e/test_accessibility.py)."""
    from axe_playwright_python.sync_playwright import Axe

    from tests.e2e.test_accessibility import BLOCKING, readable

    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, readable(blocking)


def test_keeping_another_take_makes_it_current(site, page):
    log_in(page, site)
    page.goto(site.avatar_url)
    other = page.locator("#takes li.take:not(.current)")
    number = other.locator("strong").inner_text()
    with page.expect_navigation():
        other.locator("button", has_text="Keep this one").click()
    assert page.locator("#takes li.take.current strong").inner_text() == number
    assert page.locator("#takes li.take").count() == 2, "the other take is kept"
