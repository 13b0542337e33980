"""Before/after samples of the person mask (issue #25) for docs/samples/.

Run: .venv/bin/python scripts/mask_samples.py   (after scripts/install dev; about a minute)

- person-mask.png: each of the six test portraits cut out three ways — the outline drawn by
  hand, GrabCut as the studio ran it before, the model now — on a flat teal ground;
- background-edits.png: background edits of a Comics and an Anime avatar, GrabCut's cut
  (before) above the model's (after);
- styles-person-mask.png: the five styles that now draw the person apart, each as it was
  drawn before (the style told nobody is there) above how it is drawn now.
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

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from avatars import images, person  # noqa: E402
from avatars.engines.base import RenderRequest  # noqa: E402
from avatars.engines.studio import StudioEngine  # noqa: E402
from avatars.engines.studio.edits.background import scene  # noqa: E402
from avatars.engines.studio.edits.parser import parse  # noqa: E402
from avatars.faces import analyse  # noqa: E402
from avatars.person import PersonMask  # noqa: E402
from tests.avatars.engines import mask_quality as mq  # noqa: E402

DOCS = ROOT / "docs" / "samples"
TEAL = np.array((32, 128, 128), np.float32)
ENGINE = StudioEngine()


def _label(tile: Image.Image, text: str) -> Image.Image:
    """``text`` in the tile's top-left corner, sized for the sheet the tile goes on."""
    font = ImageFont.load_default(size=max(12, tile.width // 24))
    draw = ImageDraw.Draw(tile)
    box = draw.textbbox((6, 4), text, font=font)
    draw.rectangle((box[0] - 3, box[1] - 2, box[2] + 3, box[3] + 2), fill=(255, 255, 255))
    draw.text((6, 4), text, fill=(0, 0, 0), font=font)
    return tile


def _sheet(rows: list[list[Image.Image]], side: int) -> Image.Image:
    sheet = Image.new("RGB", (side * max(len(r) for r in rows), side * len(rows)), "white")
    for y, row in enumerate(rows):
        for x, tile in enumerate(row):
            tile = tile.copy()
            tile.thumbnail((side, side))
            sheet.paste(tile, (x * side + (side - tile.width) // 2, y * side))
    return sheet


def _on_teal(rgb: np.ndarray, alpha: np.ndarray) -> Image.Image:
    a = alpha.astype(np.float32)[..., None]
    return Image.fromarray(np.clip(rgb * a + TEAL * (1 - a), 0, 255).astype(np.uint8))


def person_mask_sheet() -> Image.Image:
    rows = []
    for portrait in mq.portraits():
        image = Image.fromarray(portrait.rgb)
        faces = analyse(image, with_embedding=False)
        ref = portrait.reference.astype(np.float32)
        ours = person.alpha(image)
        if faces.face is not None:
            theirs = _on_teal(portrait.rgb, mq.grabcut_mask(portrait.rgb, faces))
            theirs = _label(theirs, "GrabCut (before)")
        else:
            theirs = _label(image.copy(), "GrabCut: no face, refused")
        rows.append(
            [
                _label(image.copy(), portrait.name),
                _label(_on_teal(portrait.rgb, ref), "drawn by hand"),
                theirs,
                _label(_on_teal(portrait.rgb, ours), "model (after)"),
            ]
        )
    return _sheet(rows, 240)


def _before_edit(base: Image.Image, source: Image.Image, instruction: str) -> Image.Image:
    """The edit as the studio made it before: GrabCut's mask, straight alpha blending."""
    rgb = np.asarray(base.convert("RGB")).astype(np.float32)
    faces = analyse(source, with_embedding=False).scaled_to(*base.size)
    alpha = mq.grabcut_mask(rgb.astype(np.uint8), faces)[..., None]
    op = parse(instruction)[0]
    variant = "removed" if op.variant == "removed" else op.variant
    back = scene(*rgb.shape[:2], variant, op.value)
    return Image.fromarray(np.clip(rgb * alpha + back * (1 - alpha) + 0.5, 0, 255).astype(np.uint8))


def background_sheet() -> Image.Image:
    from matplotlib import cbook
    from skimage import data

    astronaut = Image.fromarray(data.astronaut()).resize((1024, 1024), Image.Resampling.LANCZOS)
    with Image.open(cbook.get_sample_data("grace_hopper.jpg")) as im:
        hopper = im.convert("RGB").resize((1024, 1200), Image.Resampling.LANCZOS)
    asks = (
        "put a sunset in the background",
        "remove the background",
        "put me on a city background",
    )
    rows = []
    for source, style in ((astronaut, "comics"), (hopper, "anime")):
        base = ENGINE.render(RenderRequest(source=source, style_slug=style)).image
        before, after = [_label(base.copy(), style)], [_label(base.copy(), style)]
        for ask in asks:
            before.append(_label(_before_edit(base, source, ask), f"GrabCut (before): {ask}"))
            edited = ENGINE.render(
                RenderRequest(
                    source=source, style_slug=style, kind="edit", instruction=ask, base_image=base
                )
            ).image
            after.append(_label(edited, f"model (after): {ask}"))
        rows += [before, after]
    return _sheet(rows, 300)


def styles_sheet() -> Image.Image:
    from matplotlib import cbook

    with Image.open(cbook.get_sample_data("grace_hopper.jpg")) as im:
        hopper = im.convert("RGB").resize((1024, 1200), Image.Resampling.LANCZOS)
    nobody = PersonMask(np.zeros((256, 256), bool), *hopper.size)
    before, after = [], []
    for style in ("comics", "pop-art", "pixel-art", "neon", "pencil-sketch"):
        old = ENGINE.render(RenderRequest(source=hopper, style_slug=style, person=nobody)).image
        new = ENGINE.render(RenderRequest(source=hopper, style_slug=style)).image
        before.append(_label(old, f"{style}: before"))
        after.append(_label(new, f"{style}: after"))
    return _sheet([before, after], 270)


def main() -> None:
    meta = {"engine": "studio", "style": "samples", "model": "studio"}
    for name, sheet, made in (
        # The photos and their cut-outs are not made by a model: no AI-made mark on them.
        ("person-mask.png", person_mask_sheet(), False),
        ("background-edits.png", background_sheet(), True),
        ("styles-person-mask.png", styles_sheet(), True),
    ):
        path = DOCS / name
        if made:
            path.write_bytes(images.encode_png(sheet, **meta))
        else:
            sheet.save(path, optimize=True)
        print(f"{name}: {sheet.size[0]}×{sheet.size[1]}, {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
