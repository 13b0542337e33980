"""The avatar page in a real Chromium on a phone (390×844) and a laptop (1280×900): the edit
box in the first view, nothing wider than the screen, and the page usable with the keyboard."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from avatars.stages import STAGE_WORDS, STATUS_WORDS
from tests.e2e.test_browser_flow import shot
from tests.liveserver import LiveSite, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SETUP = """
from accounts.services import user_create
from avatars.models import Style
from avatars.services.avatars import avatar_create
from skimage import data
from PIL import Image
import io
ada = user_create(username="ada", password="Ada-Lovelace-1815")
buf = io.BytesIO()
Image.fromarray(data.astronaut()).save(buf, "JPEG", quality=90)
buf.seek(0)
buf.name = "selfie.jpg"
avatar = avatar_create(owner=ada, upload=buf, style=Style.objects.get(slug=STYLE), variants=TAKES)
print(avatar.pk)
"""


def ada_avatar(site: LiveSite, style: str = "comics", takes: int = 1) -> int:
    """Ada (log_in's user) with one avatar of the astronaut in ``style``, ``takes`` takes,
    queued on ``site`` before it starts: the avatar's id."""
    script = SETUP.replace("STYLE", repr(style)).replace("TAKES", str(takes))
    return int(site.shell(script))


@contextmanager
def ada_site(
    tmp_path_factory,
    name: str,
    *,
    style: str = "comics",
    takes: int = 1,
    ready: str = "status = 'succeeded'",
    **env: str,
):
    """A new site (``env``: its settings) where Ada's avatar (``ada_avatar``) is drawn: it
    yields once ``takes`` versions match ``ready`` (SQL on avatars_turn, e.g. that their
    after-work is done), with ``site.avatar_url`` set, and stops the site after."""
    site = LiveSite(tmp_path_factory.mktemp(name), **env)
    site.migrate()
    avatar_id = ada_avatar(site, style, takes)
    site.start()
    try:
        drawn = f"SELECT COUNT(*) FROM avatars_turn WHERE {ready}"
        assert wait_for(lambda: site.query(drawn)[0][0] >= takes, 120, 0.2), (
            f"Ada's {style} avatar was never drawn ({ready})"
        )
        site.avatar_url = f"{site.url}/avatars/{avatar_id}/"
        yield site
    finally:
        site.stop(grace=2)


# Records what the page's live region says, as a screen reader would hear it.
HEARD = """
window.__heard = [];
document.addEventListener('DOMContentLoaded', () => {
  const region = document.getElementById('live-status');
  if (!region) return;
  new MutationObserver(() => window.__heard.push(region.textContent))
    .observe(region, {childList: true, characterData: true, subtree: true});
});
"""

WORDS = set(STAGE_WORDS.values()) | set(STATUS_WORDS.values())
SIZES = {"phone": (390, 844), "laptop": (1280, 900)}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One site for the module. The edit-box tests only read it; the keyboard test, which
    asks for an edit, comes after them in the file and finds the avatar as a new site has it
    (version 1 drawn): the others leave nothing on the server but sessions."""
    with ada_site(tmp_path_factory, "avatar-page") as site:
        yield site


def log_in(page, site) -> None:
    page.goto(site.url + "/accounts/login/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "Ada-Lovelace-1815")
    page.click("main [type=submit]")
    page.wait_for_load_state()


def in_first_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    viewport = page.viewport_size
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= viewport["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
    )


def overflow(page) -> int:
    """How many pixels the page is wider than the screen (0: it fits)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("size", SIZES)
def test_the_edit_box_is_in_the_first_view_and_nothing_overflows(site, page, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, site)
    page.goto(site.avatar_url)
    page.locator("#result[src]").wait_for(state="visible")
    shot(page, f"avatar-page-{size}")
    assert in_first_view(page, "#edit-form input[name=instruction]"), "scroll to find the box"
    assert in_first_view(page, "#edit-form button[type=submit]")
    assert overflow(page) <= 0, f"the page is {overflow(page)} px wider than the {size}"
    assert page.locator("label[for=compare-slider]").is_visible()
    assert page.locator("label[for=id_instruction]").is_visible()


def test_the_page_works_with_the_keyboard_and_a_refusal_shows_under_the_box(site, page):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, site)
    page.goto(site.avatar_url)
    page.locator("#result[src]").wait_for(state="visible")

    page.focus("#compare-slider")
    page.keyboard.press("Home")  # all the way: the selfie
    clip = page.eval_on_selector("#compare-top", "el => el.style.clipPath")
    assert clip == "inset(0px 100% 0px 0px)" or clip == "inset(0 100% 0 0)", clip
    assert page.get_attribute("#compare-slider", "aria-valuetext") == "Showing your selfie"

    page.focus("#id_instruction")
    page.keyboard.type("make me look ten years younger")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    error = page.locator("#edit-error")
    assert error.count() == 1 and "can't do" in error.inner_text()
    assert in_first_view(page, "#edit-error"), "the refusal is where the user is looking"
    assert page.input_value("#id_instruction") == "make me look ten years younger"
    assert page.evaluate("document.activeElement.id") == "id_instruction"
    assert overflow(page) <= 0
    shot(page, "avatar-page-refused-phone")

    # A screen reader hears the stages in words and the outcome, from one polite region.
    page.context.add_init_script(HEARD)
    assert page.get_attribute("#live-status", "aria-live") == "polite"
    page.fill("#id_instruction", "add a crown")
    page.focus("#id_instruction")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('live-status').textContent === 'Version 2 is ready.'",
        timeout=60_000,
    )
    assert page.locator("#edit-error").count() == 0
    heard = page.evaluate("window.__heard")
    stages = [said.removeprefix("Version 2: ") for said in heard if said.startswith("Version 2: ")]
    # A quick edit may be done before the socket opens: then "ready" is all there is to hear.
    assert heard[-1] == "Version 2 is ready." and set(stages) <= WORDS, heard
    assert not any("%" in said for said in heard), "not every percent"
