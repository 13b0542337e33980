"""Chromium keeps to the site's Content-Security-Policy and the site never makes it refuse
anything: no "Refused to …" in the console on any page — the tour that makes an avatar, every
page signed in and out, the admin, the API docs and DRF's browsable API — and the things the
policy could have broken still work (the progress socket, the upload preview, the docs)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_layout import MORE_PAGES, PAGES, SIGNED_OUT, SIZES, USERNAME, tour
from tests.liveserver import LiveSite

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# How Chromium reports a violation in the console ("Refused to apply inline style because it
# violates the following Content Security Policy directive: …").
REFUSED = re.compile(r"Refused to|Content Security Policy", re.I)

MAKE_ADMIN = f"""
from accounts.models import User
User.objects.filter(username="{USERNAME}").update(is_staff=True, is_superuser=True)
"""


class Watched:
    """A live site and two browser contexts whose every CSP complaint is kept in ``refused``."""

    def __init__(self, site: LiveSite, browser):
        self.site = site
        self.refused: list[str] = []
        self.signed_out = self.watch(browser.new_context(viewport=SIZES[1280]))
        self.signed_in = self.watch(browser.new_context(viewport=SIZES[1280]))

    def watch(self, context):
        def seen(message):
            if REFUSED.search(message.text):
                where = message.page.url if message.page else "?"
                self.refused.append(f"{where}: {message.text}")

        context.on("console", seen)
        return context

    @staticmethod
    def tab(context):
        """The context's open tab, else a new one. Each visit loads its URL into the same tab:
        a new tab is a new renderer process, which cost Chromium about a CPU-second a page."""
        return next((p for p in context.pages if not p.is_closed()), None) or context.new_page()

    def visit(self, url: str, *, signed_in: bool = True, idle: bool = True):
        """Open ``url`` (in the context's tab); return the page, its response and the
        complaints it caused so far.
        ``idle``: wait until the network has been quiet for half a second (what the page's
        scripts fetch after it loads). Without it, once it has loaded and its load handlers
        have run: a script evaluated after them answers only after every console message they
        caused has come (one ordered channel), which is all a page without later fetches
        needs (the admin's)."""
        page = self.tab(self.signed_in if signed_in else self.signed_out)
        before = len(self.refused)
        response = page.goto(url)
        if idle:
            page.wait_for_load_state("networkidle")
        else:
            page.evaluate("() => new Promise((done) => setTimeout(done, 0))")
        return page, response, self.refused[before:]


@pytest.fixture(scope="module")
def watched(tmp_path_factory, browser):
    tmp = tmp_path_factory.mktemp("csp")
    site = LiveSite(tmp)
    site.migrate()
    site.start()
    try:
        watched = Watched(site, browser)
        # Sign up, upload (the preview is a blob: image), make, edit, share, make a token.
        _, watched.urls = tour(site, browser, tmp / "selfie.jpg", context=watched.signed_in)
        watched.after_tour = list(watched.refused)
        site.manage("shell", "-c", MAKE_ADMIN)
        yield watched
        watched.signed_out.close()
        watched.signed_in.close()
    finally:
        site.stop(grace=2)


def test_the_tour_that_makes_an_avatar_breaks_no_rule(watched):
    assert watched.after_tour == []


@pytest.mark.parametrize("name", PAGES + MORE_PAGES)
def test_no_page_makes_chromium_refuse_anything(watched, name):
    page, response, refused = watched.visit(watched.urls[name], signed_in=name not in SIGNED_OUT)
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert refused == [], "\n".join(refused)


def test_the_avatar_page_still_streams_and_selects_its_share_link(watched):
    page, _, refused = watched.visit(watched.urls["avatar"])
    page.wait_for_selector("body[data-socket=open]", timeout=10_000)  # connect-src 'self'
    page.focus("#share-url")  # its on-focus select moved from an attribute to avatar.js
    assert page.evaluate(
        "document.activeElement.selectionEnd - document.activeElement.selectionStart"
    ) == len(page.input_value("#share-url"))
    assert refused == [], "\n".join(refused)


def test_the_upload_preview_shows_under_the_policy(watched, tmp_path):
    from PIL import Image

    Image.new("RGB", (64, 64), "teal").save(tmp_path / "photo.png")
    page, _, _ = watched.visit(watched.urls["create"])
    before = len(watched.refused)
    page.set_input_files("input[name=photo]", str(tmp_path / "photo.png"))
    page.wait_for_function(
        "() => [...document.images].some((i) => i.src.startsWith('blob:') && i.naturalWidth > 0)"
    )
    assert watched.refused[before:] == []


def test_the_api_docs_draw_every_operation_under_the_policy(watched):
    page, response, _ = watched.visit(watched.site.url + "/api/docs/", signed_in=False)
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock", timeout=30_000)  # Swagger UI ran and read the schema
    assert page.locator(".opblock").count() > 10
    page.locator(".opblock").first.click()  # opens, drawing its parameters and examples
    page.wait_for_timeout(500)
    refused = [r for r in watched.refused if "/api/docs/" in r]
    assert refused == [], "\n".join(refused)


def test_drfs_browsable_api_draws_under_the_policy(watched):
    page, response, refused = watched.visit(watched.site.url + "/api/profile/")
    assert response.status == 200 and "text/html" in response.headers["content-type"]
    assert page.locator(".response-info").count() == 1
    assert refused == [], "\n".join(refused)


def test_every_admin_page_works_under_the_policy(watched):
    index, response, refused = watched.visit(watched.site.url + "/admin/")
    assert response.status == 200 and refused == [], "\n".join(refused)
    links = index.eval_on_selector_all("#content-main a[href]", "els => els.map((e) => e.href)")
    assert len(links) > 5, links
    pages = {watched.site.url + "/admin/"}
    for link in dict.fromkeys(links):
        page, response, refused = watched.visit(link, idle=False)
        pages.add(link)
        assert response.status == 200, link
        assert refused == [], "\n".join(refused)
        # A changelist: its select-all box (admin's actions.js), then its first object.
        if page.locator("#action-toggle").count():
            page.click("#action-toggle")
        first = page.locator("#result_list tbody th a").first
        if first.count():
            change = first.get_attribute("href")
            page, response, refused = watched.visit(watched.site.url + change, idle=False)
            pages.add(change)
            assert response.status == 200 and refused == [], "\n".join(refused)
    assert len(pages) > 10, pages
