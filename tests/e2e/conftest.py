"""The browser for every end-to-end test: one Chromium for the whole of tests/e2e, a fresh
context (cookies, storage, viewport, init scripts) for each test that asks for a ``page``.

Package-scoped, not session-scoped: between its calls Playwright's sync API leaves its asyncio
loop marked as running in this thread, and Django refuses database calls from a thread with a
running loop. The browser must be gone before the tests outside tests/e2e run."""

from pathlib import Path

import pytest

from tests.e2e.test_browser_flow import CHROMIUM, RECORD_STAGES
from tests.e2e.test_layout import tour
from tests.liveserver import LiveSite

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="package")
def playwright():
    """Playwright's driver; only one may run at a time in a thread (launch browsers from it)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (scripts/test installs it)")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="package")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    """A new page in a context of its own: 1280×900, recording the progress bar's stages."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_STAGES)
    yield context.new_page()
    context.close()


@pytest.fixture
def toured(_toured):
    """(signed-out context, signed-in context, each page's URL, the pages kept for reading) of
    the toured site; the other pages a test opened are closed after it."""
    yield _toured
    kept = set(_toured[3].values())
    for context in _toured[:2]:
        for opened in context.pages:
            if opened not in kept:
                opened.close()


@pytest.fixture(scope="package")
def _toured(browser, tmp_path_factory):
    """One live site toured once (tests/e2e/test_layout.py's ``tour``, no edit) for the layout
    and accessibility tests, which only read it. The layout test that makes tokens writes,
    and runs after the accessibility tests (file order); none of them depends on those tokens
    being there or not."""
    tmp = tmp_path_factory.mktemp("layout")
    site = LiveSite(tmp)
    site.migrate()
    site.start()
    try:
        signed_in, urls = tour(site, browser, tmp / "selfie.jpg", edit=False)
        signed_out = browser.new_context()
        yield signed_out, signed_in, urls, {}
        signed_out.close()
        signed_in.close()
    finally:
        site.stop(grace=2)


# The site's Content-Security-Policy refuses eval: give page.wait_for_function a function
# ("() => …"). Playwright polls a bare expression by eval-ing it in the page, which fails there.
