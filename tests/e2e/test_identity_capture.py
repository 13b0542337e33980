"""The profile's guided identity photos, in Chromium with its fake camera filming a portrait:
the page asks for each angle in turn, the server checks each shot, and the page says what to
change when one is refused."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import LAUNCH_ARGS
from tests.e2e.test_browser_flow import CHROMIUM
from tests.liveserver import LiveSite

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "Lovelace-Engine-1843"
WIDTH, HEIGHT = 640, 480


def write_y4m(path, picture: Image.Image, frames: int = 10) -> None:
    """A Y4M video of ``picture``, still, for Chromium's fake camera (I420, studio range, as
    Chromium reads it)."""
    ycbcr = np.asarray(picture.convert("YCbCr"), np.float32)
    y = 16 + ycbcr[..., 0] * 219 / 255
    chroma = 16 + ycbcr[..., 1:] * 224 / 255
    half = chroma.reshape(HEIGHT // 2, 2, WIDTH // 2, 2, 2).mean(axis=(1, 3))
    frame = b"FRAME\n" + b"".join(
        np.clip(np.rint(plane), 0, 255).astype(np.uint8).tobytes()
        for plane in (y, half[..., 0], half[..., 1])
    )
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            fh.write(frame)


@pytest.fixture(scope="module")
def camera_file(tmp_path_factory, astronaut_512):
    """The astronaut facing the camera, in the middle of a grey 640×480 frame."""
    frame = Image.new("RGB", (WIDTH, HEIGHT), (128, 128, 128))
    frame.paste(astronaut_512.resize((HEIGHT, HEIGHT)), ((WIDTH - HEIGHT) // 2, 0))
    path = tmp_path_factory.mktemp("camera") / "portrait.y4m"
    write_y4m(path, frame)
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = LiveSite(tmp_path_factory.mktemp("identity"))
    site.migrate()
    site.start()
    yield site
    site.stop(grace=2)


@pytest.fixture(scope="module")
def browser(playwright, camera_file):
    """A Chromium whose fake camera films the portrait (its file is a launch flag)."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *LAUNCH_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={camera_file}",
        ],
    )
    yield browser
    browser.close()


def test_the_page_asks_for_each_angle_and_refuses_a_wrong_one(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site.url + "/accounts/signup/")
    page.fill("#id_username", "ada")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/avatars/new/")

    page.goto(site.url + "/accounts/profile/")
    assert page.locator("#identity-camera").is_visible()
    page.click("#identity-start")
    page.wait_for_function(
        "() => { const v = document.getElementById('identity-video');"
        " return v.readyState >= 2 && !v.paused && v.videoWidth > 0; }"
    )
    ask = page.locator("#identity-ask")
    status = page.locator("#identity-status")
    assert ask.inner_text() == "Photo 1 of 5: Look straight at the camera."

    # Front: the portrait faces the camera, so it is kept and the next angle is asked for.
    page.click("#identity-shoot")
    page.wait_for_function(
        "() => document.getElementById('identity-status').textContent.startsWith('Kept')",
        timeout=30_000,
    )
    assert status.inner_text() == "Kept: facing the camera."
    assert ask.inner_text() == (
        "Photo 2 of 5: Turn your head about a third of the way to your left."
    )
    assert page.locator("#identity-steps li[data-angle=front]").get_attribute("class") == "done"

    # Left: the same face, still facing the camera, is refused saying how to turn.
    page.click("#identity-shoot")
    page.wait_for_function(
        "() => document.getElementById('identity-status').textContent.startsWith('Not kept')",
        timeout=30_000,
    )
    assert status.inner_text() == (
        "Not kept: Turn your head a little to your left, about a third of the way. Try again."
    )
    assert "error" in status.get_attribute("class")
    assert ask.inner_text().startswith("Photo 2 of 5:")  # the same angle asked for again
    assert page.locator("#identity-shoot").is_enabled()

    kept = page.request.get(site.url + "/api/identity-photos/").json()
    assert [photo["angle"] for photo in kept] == ["front"]
    shot = page.request.get(kept[0]["url"])
    assert shot.ok and shot.headers["content-type"] == "image/jpeg"
    assert (kept[0]["width"], kept[0]["height"]) == (WIDTH, HEIGHT)

    # Stopping shows the photo kept on the page.
    page.click("#identity-stop")
    page.wait_for_selector("#identity-photo-list li[data-photo-id]")
    assert page.locator("#identity-photo-list li").count() == 1
    context.close()
