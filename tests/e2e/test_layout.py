"""Every page fits a phone (390 px) and a desktop (1280 px): nothing sticks out sideways, and the
header keeps its layout: the brand's dot on the brand's line, every nav item whole and unwrapped,
the nav items on one row.

The tour here (sign up, make an avatar, edit it, share it, make an API token) is shared with the
accessibility test (``toured`` in tests/e2e/conftest.py) and with scripts/screenshots.py.
"""

from __future__ import annotations

import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image
from skimage import data

from tests.liveserver import LiveSite

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SIZES = {390: {"width": 390, "height": 844}, 1280: {"width": 1280, "height": 900}}
USERNAME, PASSWORD = "grace", "Hopper-Cobol-1959"
# Seen signed out, as a stranger sees them; the rest by the user who made the avatar.
SIGNED_OUT = ("landing", "signup", "login", "shared", "password-reset", "verify", "credentials")
PAGES = (
    "landing",
    "signup",
    "login",
    "create",
    "avatar",
    "list",
    "profile",
    "shared",
    "verify",
    "credentials",
)
# Checked too, not photographed.
MORE_PAGES = ("password-reset", "password-change", "account-delete", "avatar-delete")


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (scripts/test installs it)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        try:
            yield browser
        finally:
            browser.close()


def _wait_until_drawn(site: LiveSite) -> None:
    """Every version finished: read from the database, not from the page others are changing."""
    deadline = time.monotonic() + 120
    while site.query("SELECT 1 FROM avatars_turn WHERE status IN ('queued', 'running')"):
        assert time.monotonic() < deadline, "the avatar was never drawn"
        time.sleep(0.2)


def tour(site: LiveSite, browser, selfie: Path, *, edit: bool = True, context=None):
    """Sign up and use the site as a new user would (in ``context``, else a new one); return
    the signed-in browser context and each page's URL."""
    Image.fromarray(data.astronaut()).resize((1024, 1024)).save(selfie, quality=90)
    context = context or browser.new_context(viewport=SIZES[1280])
    page = context.new_page()
    page.goto(site.url + "/accounts/signup/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/avatars/new/")

    page.set_input_files("input[name=photo]", str(selfie))
    page.click("label.style-card:has-text('Comics')")
    page.click("#create-button")
    page.wait_for_url("**/avatars/*/")
    avatar_url = page.url
    _wait_until_drawn(site)
    if edit:
        page.goto(avatar_url)
        page.fill("#edit-form input[name=instruction]", "add round glasses and make it warmer")
        page.click("#edit-form button[type=submit]")
        page.wait_for_url("**/avatars/*/**")
        _wait_until_drawn(site)

    page.goto(avatar_url)
    page.click("#share button:has-text('Create link')")
    page.wait_for_load_state()
    shared_url = page.input_value("#share-url")

    # A token, so the profile shows its table of tokens (the widest thing on it).
    page.goto(site.url + "/accounts/profile/")
    page.fill("#api-tokens input[name=name]", "laptop")
    page.click("#api-tokens button[value=create]")
    page.wait_for_load_state()
    page.close()
    urls = {
        "landing": site.url + "/",
        "signup": site.url + "/accounts/signup/",
        "login": site.url + "/accounts/login/",
        "create": site.url + "/avatars/new/",
        "avatar": avatar_url,
        "list": site.url + "/avatars/",
        "profile": site.url + "/accounts/profile/",
        "shared": shared_url,
        "password-reset": site.url + "/accounts/password_reset/",
        "password-change": site.url + "/accounts/password_change/",
        "account-delete": site.url + "/accounts/profile/delete/",
        "avatar-delete": avatar_url + "delete/",
        "verify": site.url + "/verify/",
        # The shared version's Content Credentials, as a stranger checks them.
        "credentials": shared_url + "credentials/",
    }
    return context, urls


def open_page(toured, name: str, width: int):
    """A new page of the toured site, opened at ``width``."""
    signed_out, signed_in, urls, _kept = toured
    page = (signed_out if name in SIGNED_OUT else signed_in).new_page()
    page.set_viewport_size(SIZES[width])
    response = page.goto(urls[name])
    assert response.status == 200, (name, response.status)
    return page


def read_page(toured, name: str, width: int):
    """The page at ``width`` as ``open_page`` opened it, kept open for the tests that only
    read it (the axe check, what fits the screen, the header's layout): each page is loaded
    once for the three, not three times. Don't click, type or navigate in it."""
    kept = toured[3]
    if (name, width) not in kept:
        kept[name, width] = open_page(toured, name, width)
    return kept[name, width]


# Each header item: its box, and how many lines its text takes (an inline element wraps into
# several boxes, which also catches the brand's ::after dot dropping to a line of its own).
HEADER_ITEMS = """() => {
  const lines = (el) => {
    if (getComputedStyle(el).display === 'inline') return el.getClientRects().length;
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = [...range.getClientRects()].map((r) => r.top).sort((a, b) => a - b);
    return tops.filter((top, i) => i === 0 || top - tops[i - 1] > 8).length;
  };
  const header = document.querySelector('header.top');
  const items = [header.querySelector('.brand'), ...header.querySelectorAll('nav a, nav button')];
  return items.filter((el) => el.getClientRects().length).map((el) => {
    const box = el.getBoundingClientRect();
    return {text: el.textContent.trim(), left: box.left, right: box.right,
            middle: (box.top + box.bottom) / 2, lines: lines(el)};
  });
}"""


@pytest.mark.parametrize("width", SIZES)
@pytest.mark.parametrize("name", PAGES + MORE_PAGES)
def test_the_page_fits_the_screen(toured, name, width):
    page = read_page(toured, name, width)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name} at {width} px is {scroll_width} px wide"


@pytest.mark.parametrize("width", SIZES)
@pytest.mark.parametrize("name", PAGES + MORE_PAGES)
def test_the_header_keeps_its_layout(toured, name, width):
    page = read_page(toured, name, width)
    brand, *nav = page.evaluate(HEADER_ITEMS)
    for item in (brand, *nav):
        assert item["lines"] == 1, f"{item['text']!r} wraps at {width} px on {name}"
        assert item["left"] >= 0 and item["right"] <= width, f"{item['text']!r} is cut off"
    rows = {round(item["middle"]) for item in nav}
    assert max(rows) - min(rows) <= 4, f"the nav runs onto several rows on {name}: {nav}"


def test_the_profile_reads_as_separate_cards_and_asks_only_real_questions(toured):
    page = open_page(toured, "profile", 390)
    gaps = page.evaluate("""() => [...document.querySelectorAll('main .card')]
        .map((card) => card.getBoundingClientRect())
        .map((box, i, boxes) => i ? box.top - boxes[i - 1].bottom : null).slice(1)""")
    assert gaps and min(gaps) >= 16, f"the profile's cards touch: {gaps}"
    # The studio is the only engine here: no dropdown with one choice.
    assert page.locator("#id_default_engine").count() == 0
    nav = page.locator("header.top nav a:not(.button), header.top nav button")
    decorations = {
        nav.nth(i).evaluate("e => getComputedStyle(e).textDecorationLine")
        for i in range(nav.count())
    }
    assert decorations == {"none"}, "every nav link alike"
    assert page.goto(toured[2]["landing"] + "favicon.ico").ok


@pytest.mark.parametrize("clipboard", ["api", "none"])
def test_a_new_token_shows_in_the_first_view_with_a_copy_button(toured, clipboard):
    page = open_page(toured, "profile", 390)
    if clipboard == "none":  # plain http off localhost has no clipboard API: select it instead
        page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    else:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.fill("#api-tokens input[name=name]", f"copy-{clipboard}")
    page.click("#api-tokens button[value=create]")
    page.wait_for_load_state()
    secret = page.inner_text("#new-token").strip()
    button = page.locator("button[data-copy=new-token]")
    assert button.bounding_box()["y"] + button.bounding_box()["height"] <= 844, "below the fold"
    button.click()
    if clipboard == "none":  # selected, and copied too where execCommand still may
        assert page.evaluate("getSelection().toString().trim()") == secret
        assert page.inner_text("[data-copy-status=new-token]")
    else:
        page.wait_for_function(
            "() => document.querySelector('[data-copy=new-token]').textContent === 'Copied'"
        )
        assert page.evaluate("navigator.clipboard.readText()") == secret
