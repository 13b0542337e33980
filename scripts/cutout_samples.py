"""Samples of cut-outs and stickers (issue #25) for docs/samples/.

Run: .venv/bin/python scripts/cutout_samples.py   (after scripts/install dev; under a minute)

cutouts.png: two portraits (scikit-image's astronaut, matplotlib's Grace Hopper) drawn in three
studio styles; for each, the cut-out plain, with a 12 px die-cut outline, and with the outline
and the soft shadow, each laid on a chequerboard, a dark and a light ground (as the avatar
page shows them); then each messenger's sticker of the first, as its pack holds it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from avatars import person  # noqa: E402
from avatars.cutouts.services import picture_cutout  # noqa: E402
from avatars.engines.base import RenderRequest  # noqa: E402
from avatars.engines.studio import StudioEngine  # noqa: E402
from avatars.stickers.messengers import MESSENGERS  # noqa: E402
from avatars.stickers.services import sticker_picture  # noqa: E402
from bench.studio_styles import photos  # noqa: E402

DOCS = ROOT / "docs" / "samples"
SIDE = 220
GROUNDS = {"dark": (27, 27, 47), "light": (253, 246, 227)}
STYLES = ("comics", "anime", "vintage")


def _chequerboard(size: tuple[int, int], square: int = 12) -> Image.Image:
    board = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(board)
    for y in range(0, size[1], square):
        for x in range((y // square) % 2 * square, size[0], 2 * square):
            draw.rectangle((x, y, x + square - 1, y + square - 1), fill=(204, 204, 204))
    return board


def _tile(cut: Image.Image, ground: str, label: str) -> Image.Image:
    cut = cut.copy()
    cut.thumbnail((SIDE, SIDE), Image.Resampling.LANCZOS)
    tile = (
        _chequerboard((SIDE, SIDE))
        if ground == "checker"
        else Image.new("RGB", (SIDE, SIDE), GROUNDS[ground])
    )
    tile.paste(cut, ((SIDE - cut.width) // 2, (SIDE - cut.height) // 2), cut)
    font = ImageFont.load_default(size=12)
    draw = ImageDraw.Draw(tile)
    box = draw.textbbox((4, 3), label, font=font)
    draw.rectangle((box[0] - 2, box[1] - 1, box[2] + 2, box[3] + 1), fill=(255, 255, 255))
    draw.text((4, 3), label, fill=(0, 0, 0), font=font)
    return tile


def main() -> None:
    engine = StudioEngine()
    rows = []
    first = None
    for name, photo in photos().items():
        for style in STYLES:
            image = engine.render(RenderRequest(source=photo, style_slug=style)).image
            mask = person.find(image)
            row = []
            for outline, shadow, words in (
                (0, False, "plain"),
                (12, False, "12 px"),
                (12, True, "12 px + shadow"),
            ):
                cut = picture_cutout(image=image, mask=mask, outline=outline, shadow=shadow)
                for ground in ("checker", "dark", "light"):
                    row.append(_tile(cut, ground, f"{name} {style}, {words}"))
            rows.append(row)
            if first is None:
                first = (image, mask)
    image, mask = first
    stickers = [
        _tile(sticker_picture(image=image, mask=mask, rules=rules), "checker", rules.name)
        for rules in MESSENGERS.values()
    ]
    rows.append(stickers)
    width = SIDE * max(len(r) for r in rows)
    sheet = Image.new("RGB", (width, SIDE * len(rows)), "white")
    for y, row in enumerate(rows):
        for x, tile in enumerate(row):
            sheet.paste(tile, (x * SIDE, y * SIDE))
    DOCS.mkdir(parents=True, exist_ok=True)
    sheet.save(DOCS / "cutouts.png", optimize=True)
    print(f"wrote {DOCS / 'cutouts.png'}")


if __name__ == "__main__":
    main()
