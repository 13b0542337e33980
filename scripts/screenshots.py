"""Screenshot every page at 390 and 1280 px wide: docs/screenshots/<page>-<width>.png.

    .venv/bin/python scripts/screenshots.py      (after scripts/install dev; about a minute)

It starts a private live site (the offline studio engine) in a temporary directory, signs up,
makes a Comics avatar and one edit, shares it and makes an API token (the tour of
tests/e2e/test_layout.py), then takes a full-page shot of each page. Shots are quantised to 256
colours, and scaled down if need be, to stay under 1 MB each.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
MAX_BYTES = 1_000_000


def save_small(png: bytes, path: Path) -> int:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    while True:
        buffer = io.BytesIO()
        image.quantize(256, method=Image.Quantize.MEDIANCUT).save(buffer, "PNG", optimize=True)
        if buffer.tell() < MAX_BYTES:
            path.write_bytes(buffer.getvalue())
            return buffer.tell()
        image = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.LANCZOS)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.e2e.test_layout import PAGES, SIGNED_OUT, SIZES, chromium, tour
    from tests.liveserver import LiveSite

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = LiveSite(Path(tmp))
        site.migrate()
        site.start()
        try:
            with chromium() as browser:
                signed_in, urls = tour(site, browser, Path(tmp) / "selfie.jpg")
                signed_out = browser.new_context()
                for name in PAGES:
                    for width, viewport in SIZES.items():
                        page = (signed_out if name in SIGNED_OUT else signed_in).new_page()
                        page.set_viewport_size(viewport)
                        page.goto(urls[name])
                        if name == "profile":  # show a new token, as its owner sees it once
                            page.fill("#api-tokens input[name=name]", f"phone-{width}")
                            page.click("#api-tokens button[value=create]")
                        page.wait_for_load_state("networkidle")
                        path = OUT / f"{name}-{width}.png"
                        size = save_small(page.screenshot(full_page=True), path)
                        print(f"{path.relative_to(ROOT)}  {size // 1024} KB")
                        page.close()
                for width, viewport in SIZES.items():  # the avatar page with its reel playing
                    page = signed_in.new_page()
                    page.set_viewport_size(viewport)
                    page.goto(urls["avatar"])
                    page.click("#reel-play")
                    page.locator("#reel-image[src]").wait_for(state="visible", timeout=60_000)
                    path = OUT / f"avatar-reel-{width}.png"
                    size = save_small(page.screenshot(full_page=True), path)
                    print(f"{path.relative_to(ROOT)}  {size // 1024} KB")
                    page.close()
        finally:
            site.stop()


if __name__ == "__main__":
    main()
