"""The "More me ↔ More style" slider in a real Chromium: dragging it asks the studio for a
preview, shows it with its likeness words, and a drag to the other end changes the picture."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from skimage import data

from tests.e2e.test_avatar_page_layout import ada_site, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


# The picture the page shows, as the browser decoded it (a blob URL says nothing of it).
PIXELS = """img => {
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  canvas.getContext("2d").drawImage(img, 0, 0);
  return canvas.toDataURL("image/png");
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # Gemini offered (never called: a preview is the studio's), so the create page has it.
    with ada_site(
        tmp_path_factory,
        "slider",
        style="pop-art",
        ready="status = 'succeeded' AND after_work = ''",
        GEMINI_API_KEY="test-key",
    ) as site:
        yield site


def _drag(page, slider, to: float) -> None:
    """Drag the slider's thumb from where it is to ``to`` (0-1 along it) in small steps."""
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    value = int(slider.input_value())
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * value / 100, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * to, y, steps=12)
    page.mouse.up()


def _preview_at(page, low: int, high: int) -> str:
    """The preview's pixels once it shows a strength from ``low`` to ``high``, with its
    likeness (the frame once the slider rests)."""
    image = page.locator("[data-preview-image]").first
    page.wait_for_function(
        "([low, high]) => { const img = document.querySelector('[data-preview-image]');"
        " const s = Number(img && img.dataset.strength);"
        " return img.complete && img.naturalWidth > 0 && s >= low && s <= high"
        " && img.dataset.measured === '1'; }",
        arg=[low, high],
        timeout=20_000,
    )
    return image.evaluate(PIXELS)


def test_dragging_the_slider_shows_the_preview_change(site, page):
    log_in(page, site)
    page.goto(site.avatar_url)
    slider = page.locator("#edit-form input[type=range][name=style_strength]")
    assert slider.input_value() == "50"
    _drag(page, slider, 0.02)
    low = _preview_at(page, 0, 10)
    words = page.locator("[data-preview-words]").inner_text()
    assert "likeness" in words and "compared with your photo" in words
    assert page.locator("[data-preview-figure]").is_visible()
    _drag(page, slider, 0.98)
    high = _preview_at(page, 90, 100)
    assert low != high, "the preview did not change with the style strength"
    # The preview is no more than 256 px on its long side.
    size = page.locator("[data-preview-image]").evaluate(
        "img => Math.max(img.naturalWidth, img.naturalHeight)"
    )
    assert 0 < size <= 256


def test_on_the_create_page_it_previews_the_chosen_photo_and_says_when_it_approximates(
    site, page, tmp_path
):
    photo = tmp_path / "selfie.jpg"
    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buf, "JPEG", quality=90)
    photo.write_bytes(buf.getvalue())
    log_in(page, site)
    page.goto(site.url + "/avatars/new/")
    page.set_input_files("input[name=photo]", str(photo))
    page.check("input[name=style][value=comics]", force=True)
    page.select_option("select[name=engine]", "gemini")
    slider = page.locator("#create-form input[type=range][name=style_strength]")
    _drag(page, slider, 0.9)
    _preview_at(page, 80, 100)
    assert page.locator("[data-preview-approximation]").is_visible()
    assert "likeness" in page.locator("[data-preview-words]").inner_text()
