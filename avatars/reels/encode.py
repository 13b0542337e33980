"""The reel: an animation from the selfie to the avatar, through every edit on the way.

Frames: the selfie held, then each version on the path from the first version to the current
one, each revealed by a wipe and held, ending on the current version held longest. All on one
canvas the shape of the current version (the others are cropped to fill it, centred), at most
``MAX_SIDE`` px on the long side. Animated WebP, or GIF for the places that want one, marked
as AI-made in its metadata like every other file, at most ``MAX_BYTES``.

Pure Pillow and numpy on images in memory: the job (services/reels.py) and ``pixme_render
--reel`` both call :func:`reel_encode`.

The transition, chosen by looking at the results: a left-to-right wipe with a soft edge. A
dissolve shows both pictures at half strength for most of its frames (a muddy double face), and
in a GIF each of its frames dithers the whole picture anew, so it is also two to three times
bigger; the wipe keeps every frame a clean picture on each side of a moving edge.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from avatars.ai_marks import DIGITAL_SOURCE_TYPE, ai_xmp

MAX_SIDE = 720
MAX_BYTES = 2 * 1024 * 1024
MIN_SECONDS, MAX_SECONDS = 2.0, 12.0
SELFIE_HOLD = 1.0  # seconds
VERSION_HOLD = 0.9
FINAL_HOLD = 2.2
WIPE_SECONDS = 0.5
WIPE_STEPS = 6
MIN_FRAME_MS = 40  # browsers draw shorter GIF frames slower, not faster
MAX_PICTURES = 40  # the selfie and versions shown; a longer path is sampled evenly
SOFT_EDGE = 0.08  # of the width


@dataclass(frozen=True)
class Frame:
    image: Image.Image
    ms: int
    hold: bool  # a picture held, not a step of a wipe


def _canvas_size(last: Image.Image, side: int) -> tuple[int, int]:
    w, h = last.size
    scale = min(1.0, side / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def _wipe(a: np.ndarray, b: np.ndarray, t: float) -> Image.Image:
    """``b`` revealed over ``a`` from the left up to ``t`` (0–1) of the width, soft-edged."""
    width = a.shape[1]
    x = np.arange(width, dtype=np.float32) / width
    edge = t * (1 + SOFT_EDGE)  # starts fully left of the picture, ends fully right
    alpha = np.clip((edge - x) / SOFT_EDGE, 0, 1)[None, :, None]
    return Image.fromarray((a * (1 - alpha) + b * alpha).astype(np.uint8))


def reel_pictures(pictures: list[Image.Image]) -> list[Image.Image]:
    """At most MAX_PICTURES of ``pictures``, evenly spread, the selfie, the first version and
    the current one always among them: past that, a 12-second reel can't hold each for long
    enough to be seen."""
    if len(pictures) <= MAX_PICTURES:
        return pictures
    step = (len(pictures) - 2) / (MAX_PICTURES - 2)
    middle = [pictures[1 + round(i * step)] for i in range(MAX_PICTURES - 2)]
    return [pictures[0], *middle, pictures[-1]]


def reel_frames(pictures: list[Image.Image], *, side: int = MAX_SIDE) -> list[Frame]:
    """Frames for ``pictures`` = [selfie, first version, …, current version]: holds and wipes,
    timed to last between MIN_SECONDS and MAX_SECONDS."""
    if len(pictures) < 2:
        raise ValueError("A reel needs the selfie and at least one version.")
    pictures = reel_pictures(pictures)
    size = _canvas_size(pictures[-1], side)
    fitted = [
        ImageOps.fit(p.convert("RGB"), size, Image.Resampling.LANCZOS, centering=(0.5, 0.4))
        for p in pictures
    ]
    holds = [SELFIE_HOLD] + [VERSION_HOLD] * (len(fitted) - 2) + [FINAL_HOLD]
    wipes = len(fitted) - 1
    total = sum(holds) + wipes * WIPE_SECONDS
    scale = min(1.0, MAX_SECONDS / total) if total > MAX_SECONDS else max(1.0, MIN_SECONDS / total)
    steps = WIPE_STEPS
    while steps > 2 and WIPE_SECONDS * scale * 1000 / steps < MIN_FRAME_MS:
        steps -= 1
    step_ms = max(MIN_FRAME_MS, round(WIPE_SECONDS * scale * 1000 / steps))
    frames: list[Frame] = []
    before = None  # the previous picture as floats: two at a time, not one per picture
    for i, picture in enumerate(fitted):
        now = np.asarray(picture, dtype=np.float32)
        if before is not None:
            for k in range(1, steps):
                frames.append(Frame(_wipe(before, now, k / steps), step_ms, False))
        frames.append(Frame(picture, max(MIN_FRAME_MS, round(holds[i] * scale * 1000)), True))
        before = now
    return frames


def _encode(frames: list[Frame], fmt: str, meta: dict[str, str], quality: int) -> bytes:
    buf = io.BytesIO()
    first, *rest = (f.image for f in frames)
    durations = [f.ms for f in frames]
    if fmt == "webp":
        first.save(
            buf,
            "WEBP",
            save_all=True,
            append_images=rest,
            duration=durations,
            loop=0,
            quality=quality,
            method=4,
            xmp=ai_xmp(**meta),
        )
    else:
        comment = (
            f"Made by Pix Me! with a trained model (AI-generated; {DIGITAL_SOURCE_TYPE}). "
            f"Engine {meta['engine']}, style {meta['style']}, model {meta['model']}."
        )
        # One palette for every frame, undithered: what doesn't change between two frames
        # stays the same pixels, so each frame stores only the band the wipe moved (dithering
        # or a palette per frame would make every frame a whole new picture: 3-4× the bytes).
        holds = [f.image for f in frames if f.hold]
        montage = Image.new("RGB", (first.width, first.height * len(holds)))
        for i, picture in enumerate(holds):
            montage.paste(picture, (0, i * first.height))
        palette = montage.quantize(256, method=Image.Quantize.MEDIANCUT)
        first, *rest = (f.image.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames)
        first.save(
            buf,
            "GIF",
            save_all=True,
            append_images=rest,
            duration=durations,
            loop=0,
            optimize=False,
            disposal=1,
            comment=comment.encode(),
        )
    return buf.getvalue()


def reel_encode(
    pictures: list[Image.Image],
    *,
    fmt: str,
    engine: str,
    style: str,
    model: str,
    progress: Callable[[int], None] = lambda percent: None,
    finish: Callable[[bytes], bytes] = lambda data: data,
) -> bytes:
    """The reel of ``pictures`` as an animated WebP or GIF of at most MAX_BYTES: smaller
    sides (and, for WebP, lower quality) are tried until it fits. ``finish`` is the last
    step, which must not re-encode — adding its Content Credentials — and the limit counts
    what it adds."""
    if fmt not in ("webp", "gif"):
        raise ValueError(f"No reel format {fmt!r}.")
    meta = {"engine": engine, "style": style, "model": model}
    attempts = [(MAX_SIDE, 80), (MAX_SIDE, 65), (600, 65), (480, 60), (360, 55)]
    for n, (side, quality) in enumerate(attempts):
        progress(10 + 80 * n // len(attempts))
        data = finish(_encode(reel_frames(pictures, side=side), fmt, meta, quality))
        if len(data) <= MAX_BYTES:
            progress(95)
            return data
    raise ValueError("The reel would be larger than 2 MB even at 360 px.")
