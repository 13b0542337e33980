"""A sticker pack's files: each sticker's picture fitted to its messenger's canvas, encoded
under its byte limit (signed where the manifest fits), the zip a messenger imports, and the
check of a made zip against the messenger's rules (:func:`sticker_pack_check`). No database:
:mod:`avatars.stickers.services` asks for them and keeps what they make."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING

from PIL import Image

from avatars import images
from avatars.cutouts.services import picture_cutout
from avatars.person import PersonMask
from avatars.stickers.messengers import MESSENGERS, Messenger, count_range
from pixme.errors import ApplicationError

if TYPE_CHECKING:
    from avatars.models import StickerPack

logger = logging.getLogger(__name__)

WEBP_QUALITIES = (90, 80, 70, 60, 50, 40)
EMOJI = "🙂"  # WhatsApp wants 1-3 per sticker
TITLE = "Pix Me! stickers"
PUBLISHER = "Pix Me!"
MIME = {"png": "image/png", "webp": "image/webp"}


class StickerTooLarge(Exception):
    """No encoding of a sticker fits the messenger's byte limit (a bug: never seen)."""


def sticker_picture(*, image: Image.Image, mask: PersonMask, rules: Messenger) -> Image.Image:
    """The sticker's RGBA picture: the person cut out of ``image`` with the messenger's
    stroke (and shadow), trimmed to them and fitted to its canvas: centred on a square one
    with ``margin`` transparent pixels around, or — Telegram — the long side exactly
    ``side``. Drawn at about the sticker's own size, so the stroke is ``outline`` px there."""
    room = rules.side - 2 * rules.margin
    small = image.resize(_fit(image.size, 256), Image.Resampling.BILINEAR)
    person = mask.alpha(small) >= 0.5
    rows, cols = person.any(axis=1).nonzero()[0], person.any(axis=0).nonzero()[0]
    if not rows.size:
        raise ApplicationError("We couldn't find a person to cut out.", code="no_person")
    # Drawn at the size where the person and their stroke fill the room.
    wide = (cols[-1] - cols[0] + 1) / small.width * image.width
    tall = (rows[-1] - rows[0] + 1) / small.height * image.height
    scale = (room - 2 * (rules.outline + 1)) / max(wide, tall)
    drawn = image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
        Image.Resampling.LANCZOS,
    )
    cut = picture_cutout(image=drawn, mask=mask, outline=rules.outline, shadow=rules.shadow)
    cut = cut.crop(cut.getchannel("A").getbbox())
    if rules.square:
        cut.thumbnail((room, room), Image.Resampling.LANCZOS)
        canvas = Image.new("RGBA", (rules.side, rules.side), (0, 0, 0, 0))
        canvas.paste(cut, ((rules.side - cut.width) // 2, (rules.side - cut.height) // 2))
        return canvas
    return cut.resize(_fit(cut.size, rules.side), Image.Resampling.LANCZOS)


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """``size`` scaled so its long side is exactly ``side``."""
    w, h = size
    if w >= h:
        return side, max(1, min(side, round(h * side / w)))
    return max(1, min(side, round(w * side / h))), side


def sticker_encode(
    picture: Image.Image,
    *,
    rules: Messenger,
    meta: dict[str, str],
    sign: Callable[[bytes, str], bytes] | None,
    formats: tuple[str, ...] | None = None,
    max_bytes: int | None = None,
) -> tuple[bytes, str, bool]:
    """The sticker's file — the first of the messenger's formats, at the best quality, that
    fits its byte limit with its signed manifest — as (data, format, signed). If none fits
    signed (a version with a very long edit history), the best that fits unsigned."""
    formats = formats or rules.formats
    limit = max_bytes or rules.max_bytes
    attempts = [
        (fmt, quality) for fmt in formats for quality in (WEBP_QUALITIES if fmt == "webp" else (0,))
    ]
    unsigned = None
    for fmt, quality in attempts:
        if fmt == "png":
            data = images.encode_png(picture, keep_alpha=True, **meta)
        else:
            # Method 4: the smallest files within a messenger's byte limit (encode_webp's own
            # default, 2, trades a few per cent of size for half the time).
            data = images.encode_webp(picture, keep_alpha=True, quality=quality, method=4, **meta)
        if len(data) > limit:
            continue
        unsigned = unsigned or (data, fmt)
        if sign is None:
            return data, fmt, False
        try:
            signed = sign(data, MIME[fmt])
        except Exception as exc:  # SigningFailed, or the SDK's own: keep the sticker
            logger.error("could not sign a %s sticker: %s", rules.name, exc)
            return data, fmt, False
        if len(signed) <= limit:
            return signed, fmt, True
    if unsigned is None:
        raise StickerTooLarge(f"no encoding fits {limit} bytes")
    logger.warning(
        "a %s sticker fits %d bytes only without its Content Credentials (a long edit "
        "history): handed out unsigned",
        rules.name,
        limit,
    )
    return unsigned[0], unsigned[1], False


def sticker_zip(
    pack: StickerPack, rules: Messenger, files: list[tuple[str, bytes]], tray: bytes | None
) -> bytes:
    buffer = io.BytesIO()
    # Stored, not deflated: WebP and PNG are compressed already.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in files:
            archive.writestr(name, data)
        if tray is not None:
            archive.writestr("tray.png", tray)
        if rules.slug == "whatsapp":
            archive.writestr("contents.json", json.dumps(_contents(pack, files), indent=2))
            archive.writestr("title.txt", TITLE)
            archive.writestr("author.txt", PUBLISHER)
        archive.writestr("how-to.txt", rules.how_to + "\n")
    return buffer.getvalue()


def _contents(pack: StickerPack, files: list[tuple[str, bytes]]) -> dict:
    """The pack as WhatsApp's sample sticker app lists one (its assets' contents.json)."""
    return {
        "sticker_packs": [
            {
                "identifier": f"pixme-{pack.pk}",
                "name": TITLE,
                "publisher": PUBLISHER,
                "tray_image_file": "tray.png",
                "image_data_version": "1",
                "avoid_cache": False,
                "animated_sticker_pack": False,
                "stickers": [{"image_file": name, "emojis": [EMOJI]} for name, _data in files],
            }
        ]
    }


# -- checking --------------------------------------------------------------------------------


def sticker_pack_check(data: bytes, *, messenger: str) -> list[str]:
    """What in the zip ``data`` breaks ``messenger``'s rules (nothing: it may be offered):
    each sticker decoded, not trusted by its name."""
    rules = MESSENGERS[messenger]
    problems: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        stickers = [n for n in names if n.rsplit(".", 1)[-1] in MIME and n != "tray.png"]
        low, high = count_range(rules)
        if not low <= len(stickers) <= high:
            problems.append(f"{len(stickers)} stickers, not {low}-{high}")
        for name in stickers:
            problems += _file_problems(name, archive.read(name), rules)
        if rules.tray is not None:
            if "tray.png" not in names:
                problems.append("no tray.png")
            else:
                problems += _tray_problems(archive.read("tray.png"), rules)
        if rules.slug == "whatsapp":
            problems += _contents_problems(archive, stickers)
    return problems


def _file_problems(name: str, data: bytes, rules: Messenger) -> list[str]:
    problems = []
    if len(data) > rules.max_bytes:
        problems.append(f"{name}: {len(data)} bytes, over {rules.max_bytes}")
    with Image.open(io.BytesIO(data)) as im:
        fmt, size, mode, frames = im.format.lower(), im.size, im.mode, getattr(im, "n_frames", 1)
    if fmt not in rules.formats:
        problems.append(f"{name}: {fmt}, not {' or '.join(rules.formats)}")
    if rules.square and size != (rules.side, rules.side):
        problems.append(f"{name}: {size[0]}×{size[1]}, not {rules.side}×{rules.side}")
    if not rules.square and (max(size) != rules.side or min(size) > rules.side):
        problems.append(f"{name}: {size[0]}×{size[1]}, not {rules.side} on the long side")
    if "A" not in mode:
        problems.append(f"{name}: no transparency ({mode})")
    if frames != 1:
        problems.append(f"{name}: animated ({frames} frames)")
    return problems


def _tray_problems(data: bytes, rules: Messenger) -> list[str]:
    tray = rules.tray
    problems = []
    if len(data) > tray.max_bytes:
        problems.append(f"tray.png: {len(data)} bytes, over {tray.max_bytes}")
    with Image.open(io.BytesIO(data)) as im:
        if im.format.lower() != tray.fmt or im.size != (tray.side, tray.side):
            problems.append(f"tray.png: {im.format} {im.size}, not {tray.side}² {tray.fmt}")
    return problems


def _contents_problems(archive: zipfile.ZipFile, stickers: list[str]) -> list[str]:
    try:
        (listed,) = json.loads(archive.read("contents.json"))["sticker_packs"]
    except (KeyError, ValueError):
        return ["no readable contents.json with one pack"]
    problems = []
    files = [s["image_file"] for s in listed["stickers"]]
    if sorted(files) != sorted(stickers):
        problems.append("contents.json doesn't list the stickers")
    if any(not 1 <= len(s.get("emojis", [])) <= 3 for s in listed["stickers"]):
        problems.append("a sticker without 1-3 emoji")
    for field in ("identifier", "name", "publisher"):
        if not 0 < len(listed.get(field, "")) <= 128:
            problems.append(f"contents.json: {field} empty or over 128 characters")
    return problems
