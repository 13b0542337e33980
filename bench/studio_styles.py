"""Studio styles: render time at 1024×1024 and likeness on two real face photos.

Run: DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python bench/studio_styles.py

Targets (one core of this 2-core machine): every style under 1.5 s at 1024²; the median
likeness distance across styles under 0.6 (dlib's "same person" line) on both photos.
Timings are the median of 3 runs after a warm-up. Then each kind of edit on the Comics
avatar (target: under 3 s at 1024²; a background swap runs GrabCut and is the slowest).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matplotlib import cbook  # noqa: E402
from PIL import Image  # noqa: E402
from skimage import data  # noqa: E402

from avatars.engines.base import RenderRequest  # noqa: E402
from avatars.engines.studio import StudioEngine  # noqa: E402
from avatars.engines.studio.registry import STYLES  # noqa: E402
from avatars.faces import analyse, likeness, likeness_words  # noqa: E402

TARGET_SECONDS = 1.5
EDIT_TARGET_SECONDS = 3.0
EDITS = (
    "add round glasses",
    "add a wizard hat",
    "add a beard",
    "make it warmer",
    "black and white",
    "put a sunset in the background",
    'write "Captain Ada" at the bottom',
    "add sunglasses and a crown and make it cooler",
)


def _median_seconds(engine, request, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        engine.render(request)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    astronaut = Image.fromarray(data.astronaut()).resize((1024, 1024), Image.Resampling.LANCZOS)
    with Image.open(cbook.get_sample_data("grace_hopper.jpg")) as im:
        hopper = im.convert("RGB").resize((1024, 1200), Image.Resampling.LANCZOS)
    photos = {"astronaut": astronaut, "hopper": hopper}
    faces = {name: analyse(img) for name, img in photos.items()}
    engine = StudioEngine()
    print(f"{'style':14} {'s @1024²':>9} {'astronaut':>16} {'hopper':>16}")
    slow = []
    for slug in STYLES:
        req = RenderRequest(source=astronaut, style_slug=slug, faces=faces["astronaut"])
        engine.render(req)  # warm-up
        seconds = _median_seconds(engine, req)
        if seconds > TARGET_SECONDS:
            slow.append(slug)
        cells = []
        for name, img in photos.items():
            out = engine.render(RenderRequest(source=img, style_slug=slug, faces=faces[name]))
            d = likeness(faces[name], out.image)
            cells.append(f"{d:.2f} {likeness_words(d).split()[0]}" if d is not None else "no face")
        print(f"{slug:14} {seconds:9.2f} {cells[0]:>16} {cells[1]:>16}")
    base = engine.render(
        RenderRequest(source=astronaut, style_slug="comics", faces=faces["astronaut"])
    ).image
    print(f"\n{'edit on the Comics avatar':46} {'s @1024²':>9}")
    for instruction in EDITS:
        req = RenderRequest(
            source=astronaut,
            style_slug="comics",
            kind="edit",
            instruction=instruction,
            base_image=base,
            faces=faces["astronaut"],
        )
        seconds = _median_seconds(engine, req)
        if seconds > EDIT_TARGET_SECONDS:
            slow.append(instruction)
        print(f"{instruction:46} {seconds:9.2f}")
    if slow:
        print(f"over target: {', '.join(slow)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
