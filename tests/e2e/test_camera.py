"""A selfie from the camera on the create page, in Chromium with its fake camera."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import LAUNCH_ARGS
from tests.e2e.test_browser_flow import CHROMIUM
from tests.liveserver import LiveSite

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FAKE_CAMERA = [
    *LAUNCH_ARGS,
    # A synthetic camera, and "allow" answered for the user.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]

# What a browser does when the user says "Block" to the camera prompt.
CAMERA_BLOCKED = """
navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
"""

PASSWORD = "Lovelace-Engine-1843"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = LiveSite(tmp_path_factory.mktemp("camera"))
    site.migrate()
    site.start()
    yield site
    site.stop(grace=2)


@pytest.fixture(scope="module")
def browser(playwright):
    """A Chromium of this module's own: the fake camera is a launch flag."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FAKE_CAMERA)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def signed_in(site, browser):
    """Ada's session (cookies), signed up once through the real signup page."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(site.url + "/accounts/signup/")
    page.fill("#id_username", "ada")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/avatars/new/")
    state = context.storage_state()
    context.close()
    return state


def create_page(site, browser, signed_in, *, width=1280, height=900, init_script=None):
    context = browser.new_context(
        storage_state=signed_in, viewport={"width": width, "height": height}
    )
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.goto(site.url + "/avatars/new/")
    return page


def chosen_file(page) -> dict:
    """Name, type and bytes of the file the photo input holds, as the form would post it."""
    return page.evaluate(
        """async () => {
          const file = document.querySelector('input[name=photo]').files[0];
          if (!file) return null;
          const bytes = new Uint8Array(await file.arrayBuffer());
          let text = '';
          for (const b of bytes) text += String.fromCharCode(b);
          return {name: file.name, type: file.type, data: btoa(text)};
        }"""
    )


def test_a_camera_selfie_is_uploaded_like_a_picked_file(site, browser, signed_in):
    page = create_page(site, browser, signed_in)
    page.click("button:has-text('Use camera')")
    page.wait_for_function(
        "() => { const v = document.getElementById('camera-video');"
        " return v.readyState >= 2 && !v.paused && v.videoWidth > 0; }"
    )
    # The countdown is said, then the shot replaces the live view.
    page.click("button:has-text('Take photo')")
    page.wait_for_function(
        "() => document.getElementById('camera-status').textContent.includes('Taking the photo in')"
    )
    assert page.inner_text("#camera-countdown") in {"3", "2", "1"}
    page.locator("#photo-preview").wait_for(state="visible", timeout=10_000)
    assert page.locator("#camera-video").is_hidden()
    assert page.evaluate("document.getElementById('camera-video').srcObject") is None
    assert "Photo taken" in page.inner_text("#camera-status")
    assert page.locator("button:has-text('Retake')").is_visible()

    file = chosen_file(page)
    assert file["type"] == "image/jpeg"
    assert file["name"].startswith("selfie-") and file["name"].endswith(".jpg")
    shot = Image.open(io.BytesIO(base64.b64decode(file["data"])))
    assert shot.format == "JPEG" and shot.size == (1280, 960)
    # Not mirrored: Chromium's fake camera writes its frame counter at the top left, and
    # that is where the shot has it (the live view shows it at the top right).
    grey = np.asarray(shot.convert("L"), dtype=float)
    assert grey[:60, :200].std() > 2 * grey[:60, -200:].std()

    page.click("label.style-card:has-text('Comics')")
    page.click("#create-button")
    page.wait_for_url("**/avatars/*/")
    page.locator("#result[src]").wait_for(state="visible", timeout=60_000)
    # The fake camera films a pattern, not a person: the server takes the photo through the
    # normal checks and still draws the style over the whole picture; the page says (once the
    # job has looked for a face, so after a reload) that it found none, and the timeline says
    # so too once the version's likeness is measured, just after it is shown.
    assert "Download PNG" in page.inner_text("#downloads")
    page.reload()
    assert "couldn't find a face" in page.inner_text("p.note")
    page.locator("#timeline .likeness:has-text('no face found')").wait_for(timeout=90_000)
    page.context.close()


def test_retake_and_back_to_the_file_picker(site, browser, signed_in):
    page = create_page(site, browser, signed_in)
    page.click("button:has-text('Use camera')")
    page.wait_for_function("() => !document.getElementById('camera-video').paused")
    page.click("button:has-text('Take photo')")
    page.locator("#photo-preview").wait_for(state="visible", timeout=10_000)

    page.click("button:has-text('Retake')")
    assert chosen_file(page) is None
    assert page.locator("#photo-preview").is_hidden()

    # Keyboard only: the focus moves to "Take photo" once the camera is on again.
    page.wait_for_function("() => document.activeElement.id === 'camera-shoot'")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Choose a file instead"
    assert page.evaluate("document.getElementById('camera-video').srcObject") is None
    assert page.locator("#camera-stage").is_hidden()
    assert page.locator("button:has-text('Use camera')").is_visible()
    assert page.evaluate("document.activeElement.name") == "photo"
    page.context.close()


def test_a_blocked_camera_says_so_and_the_file_picker_still_works(
    site, browser, signed_in, tmp_path
):
    page = create_page(site, browser, signed_in, init_script=CAMERA_BLOCKED)
    page.click("button:has-text('Use camera')")
    status = page.locator("#camera-status")
    status.filter(has_text="blocked").wait_for()
    assert "choose a photo file" in status.inner_text()
    assert page.locator("#camera-stage").is_hidden()

    selfie = tmp_path / "selfie.png"
    Image.new("RGB", (64, 64), "teal").save(selfie)
    page.set_input_files("input[name=photo]", str(selfie))
    page.locator("#photo-preview").wait_for(state="visible")
    assert chosen_file(page)["name"] == "selfie.png"
    assert status.inner_text() == ""
    page.context.close()


def test_without_a_camera_api_there_is_only_the_file_picker(site, browser, signed_in):
    page = create_page(
        site, browser, signed_in, init_script="delete Navigator.prototype.mediaDevices;"
    )
    assert page.locator("input[name=photo]").is_visible()
    assert page.locator("#camera").is_hidden()
    page.context.close()


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 900)])
def test_the_create_page_fits_the_screen(site, browser, signed_in, width, height):
    page = create_page(site, browser, signed_in, width=width, height=height)
    page.click("button:has-text('Use camera')")
    page.wait_for_function("() => !document.getElementById('camera-video').paused")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert page.locator("#create-button").is_visible()
    page.context.close()
