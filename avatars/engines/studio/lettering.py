"""Lettering a caption onto an avatar: a comic-book banner in a font that ships with Pix Me!.

The font is DejaVu Sans Bold (``fonts/``, its licence beside it): clear at thumbnail size and
present on every machine because it is in the repository, not looked up on the system.
The text is fitted to the width (shrunk, then wrapped onto at most two lines) but never gets
smaller than about 7 % of the image height, so it stays legible when the avatar is shown at
128 px; longer captions are cut with an ellipsis rather than drawn unreadably small.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .common import hex_to_rgb

FONT_PATH = Path(__file__).with_name("fonts") / "DejaVuSans-Bold.ttf"
MAX_CHARS = 60
MIN_TEXT_HEIGHT = 0.07  # of the image height
MAX_TEXT_HEIGHT = 0.11
BANNER = (20, 20, 24)


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size)


def fitted_caption(text: str) -> str:
    """The caption as it will be lettered: whitespace tidied, cut at 60 characters."""
    text = " ".join(text.split())
    if len(text) > MAX_CHARS:
        text = text[: MAX_CHARS - 1].rstrip() + "…"
    return text


def _width(draw: ImageDraw.ImageDraw, text: str, font, stroke: int) -> int:
    left, _top, right, _bottom = draw.textbbox((0, 0), text, font=font, stroke_width=stroke)
    return right - left


def _wrap_two(draw, text: str, font, stroke: int, room: int) -> list[str] | None:
    """The best split of ``text`` into two lines that both fit ``room``, or None."""
    words = text.split()
    best = None
    for i in range(1, len(words)):
        lines = [" ".join(words[:i]), " ".join(words[i:])]
        widest = max(_width(draw, line, font, stroke) for line in lines)
        if widest <= room and (best is None or widest < best[0]):
            best = (widest, lines)
    return best[1] if best else None


def _layout(draw, text: str, width: int, height: int):
    """(lines, font, stroke) that fit ``width``; shrinking before wrapping, cutting last."""
    room = int(width * 0.9)
    # Sized from the height, but never from more than twice the width (tall, thin images).
    side = min(height, width * 2)
    top_size = max(8, int(side * MAX_TEXT_HEIGHT))
    low_size = max(8, int(side * MIN_TEXT_HEIGHT))
    while True:
        for size in range(top_size, low_size - 1, -max(1, top_size // 20)):
            font = _font(size)
            stroke = max(1, size // 14)
            if _width(draw, text, font, stroke) <= room:
                return [text], font, stroke
        font = _font(low_size)
        stroke = max(1, low_size // 14)
        lines = _wrap_two(draw, text, font, stroke, room)
        if lines:
            return lines, font, stroke
        if len(text) <= 2:
            return [text], font, stroke
        text = text[:-2].rstrip() + "…"


def letter_caption(
    image: Image.Image,
    text: str,
    *,
    position: str = "bottom",
    palette: tuple[str, ...] | list[str] = (),
) -> Image.Image:
    """A copy of ``image`` with ``text`` lettered in a banner at the ``top`` or ``bottom``.

    The banner takes the profile palette's first colour when there is one; the text is white
    or near-black, whichever reads better on it, with an outline in the other.
    """
    text = fitted_caption(text)
    out = image.convert("RGB").copy()
    if not text:
        return out
    width, height = out.size
    draw = ImageDraw.Draw(out)
    lines, font, stroke = _layout(draw, text, width, height)
    ascent, descent = font.getmetrics()
    line_height = ascent + descent + stroke * 2
    pad = max(4, line_height // 4)
    banner_height = line_height * len(lines) + pad * 2
    banner = hex_to_rgb(palette[0]) if palette else BANNER
    luma = 0.299 * banner[0] + 0.587 * banner[1] + 0.114 * banner[2]
    ink, outline = ((255, 255, 255), (0, 0, 0)) if luma < 150 else ((15, 15, 15), (255, 255, 255))

    top = 0 if position == "top" else height - banner_height
    overlay = Image.new("RGBA", out.size, (0, 0, 0, 0))
    odraw = ImageDraw.Draw(overlay)
    odraw.rectangle((0, top, width, top + banner_height), fill=(*banner, 225))
    edge = max(2, banner_height // 18)
    edge_y = top + banner_height - edge if position == "top" else top
    odraw.rectangle((0, edge_y, width, edge_y + edge), fill=(*outline, 255))
    out = Image.alpha_composite(out.convert("RGBA"), overlay).convert("RGB")

    draw = ImageDraw.Draw(out)
    y = top + pad
    for line in lines:
        draw.text(
            (width / 2, y + line_height / 2),
            line,
            font=font,
            fill=ink,
            anchor="mm",
            stroke_width=stroke,
            stroke_fill=outline,
        )
        y += line_height
    return out
