"""Cut-outs of finished versions: made from the version's kept person mask the first time a
variant is asked for, signed as made from that version, stored and kept (a ``Cutout`` row per
file, so the file goes with its row), and answered from storage afterwards.

A cut-out is made in the request that first asks for it: at 1024² it costs about as much as
the PNG download did before it was stored (``bench/cutouts.py``), so a job and a 202 would only
add a round trip. At most ``KEPT_PER_VERSION`` are kept per version (the newest): the avatar
page's outline slider asks for one per step, and nobody needs all 130 kept.
"""

from __future__ import annotations

import logging

import numpy as np
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from PIL import Image

from avatars import images
from avatars.cutouts.draw import MAX_OUTLINE, cutout_draw
from avatars.models import Avatar, Cutout, Turn
from avatars.moderation.rules import avatar_moderation_check
from avatars.person import PersonMask
from avatars.provenance.services import Parent, derived_credentials_try, turn_title
from avatars.services.person import turn_person_find, version_person
from pixme.errors import ApplicationError
from pixme.media_files import prune_empty_folder
from pixme.numbers import parse_int

logger = logging.getLogger(__name__)

FORMATS = {"png": "image/png", "webp": "image/webp"}
KEPT_PER_VERSION = 12
# The WebP cut-out is lossless, at libwebp's fastest effort: the PNG's pixels in a smaller
# file. Lossy WebP (quality 90, its fastest method) took 45-60 ms of one core at 1024² with
# an outline and shadow — its alpha plane is compressed losslessly anyway, half of that —,
# lossless 16-32 ms; lossless is smaller than lossy on the flat-coloured styles (Comics:
# 207 vs 248 KB) and up to 3.4× larger on painted ones (Vintage: 862 vs 256 KB, the PNG
# 1247), and keeps the die-cut edge sharp where lossy halves the colour resolution.
WEBP_EFFORT = 0
NO_PERSON = (
    "We couldn't find a person in version {number} to cut out: the cut follows the person "
    "in the picture."
)


def cutout_options_check(*, outline: int, fmt: str) -> None:
    if fmt not in FORMATS:
        raise ApplicationError("A cut-out is a PNG or a WebP.", code="invalid")
    if not 0 <= outline <= MAX_OUTLINE:
        raise ApplicationError(f"The outline must be from 0 to {MAX_OUTLINE} px.", code="invalid")


def cutout_query_parse(query) -> tuple[int, bool]:
    """``?outline=<px>&shadow=1`` as (outline, shadow); refused in words when unreadable."""
    outline = parse_int(query.get("outline") or "0", high=MAX_OUTLINE, name="The outline")
    shadow = (query.get("shadow") or "0").lower()
    if shadow not in SWITCH:
        raise ApplicationError("shadow is 1 (a soft shadow) or 0 (none).", code="invalid")
    return outline, SWITCH[shadow]


SWITCH = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}


def picture_cutout(
    *, image: Image.Image, mask: PersonMask, outline: int = 0, shadow: bool = False
) -> Image.Image:
    """The RGBA cut-out of ``image`` by ``mask`` (found in it, or in a crop or resize of it):
    the site's versions and ``pixme_render --cutout`` alike."""
    rgb = np.asarray(image.convert("RGB"))
    return cutout_draw(rgb, mask.alpha(rgb), outline=outline, shadow=shadow)


def cutout_encode(picture: Image.Image, *, fmt: str, engine: str, style: str, model: str) -> bytes:
    """The cut-out's file with the AI-made marks (sign it after: a re-encode drops that)."""
    meta = {"engine": engine, "style": style, "model": model}
    if fmt == "png":
        return images.encode_png(picture, keep_alpha=True, **meta)
    return images.encode_webp(
        picture, keep_alpha=True, lossless=True, quality=WEBP_EFFORT, method=0, **meta
    )


def turn_person_mask(*, turn: Turn, image: Image.Image) -> PersonMask:
    """Where the person is in the version: its kept mask, or found now (and kept) for a
    version whose after-work hasn't got to it. Refused in words when nobody is there."""
    mask = version_person(turn) or turn_person_find(turn=turn, image=image)
    if mask is None:
        raise ApplicationError("This version's picture is gone.", code="not_found")
    if not mask.found:
        raise ApplicationError(NO_PERSON.format(number=turn.number), code="no_person")
    return mask


def turn_cutout(*, turn: Turn, outline: int = 0, shadow: bool = False, fmt: str = "png") -> Cutout:
    """The version's cut-out in this variant: the stored one, or made, signed and stored now.
    Refused for a version a moderator hid or removed (as its downloads are)."""
    cutout_options_check(outline=outline, fmt=fmt)
    avatar_moderation_check(avatar=turn.avatar, doing="downloaded")
    if turn.status != Turn.Status.SUCCEEDED or not turn.image:
        raise ApplicationError("Only a finished version can be cut out.", code="not_found")
    variant = {"turn": turn, "outline": outline, "shadow": shadow, "format": fmt}
    kept = Cutout.objects.filter(**variant).first()
    if kept is not None:
        return kept
    with turn.image.open("rb") as fh:
        version = fh.read()
    image = images.open_stored(version)
    mask = turn_person_mask(turn=turn, image=image)
    picture = picture_cutout(image=image, mask=mask, outline=outline, shadow=shadow)
    data = cutout_encode(
        picture,
        fmt=fmt,
        engine=turn.engine,
        style=turn.avatar.style.slug,
        model=turn.model or turn.engine,
    )
    # Last: any re-encode after it would drop the manifest.
    parent = Parent(version, "image/png", turn_title(turn))  # read once, for both
    data, signed = derived_credentials_try(
        turn, data, mime=FORMATS[fmt], title=f"{parent.title}, cut out", parent=parent
    )
    cutout = Cutout(**variant, signed=signed)
    cutout.file.save(f"v{turn.number}-cutout.{fmt}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            # The avatar's row orders this with a moderator's removal, which deletes every
            # cut-out: none is kept of a picture that is gone.
            Avatar.objects.select_for_update().filter(pk=turn.avatar_id).first()
            if not Turn.objects.filter(pk=turn.pk).exclude(image="").exists():
                raise ApplicationError("This version's picture is gone.", code="not_found")
            cutout.save()
    except (IntegrityError, ApplicationError) as exc:
        name = cutout.file.name
        cutout.file.delete(save=False)
        prune_empty_folder(storage=cutout.file.storage, name=name)
        other = Cutout.objects.filter(**variant).first()
        if isinstance(exc, ApplicationError) or other is None:
            raise ApplicationError("This version's picture is gone.", code="not_found") from None
        return other  # another request made the same one first: keep theirs
    cutouts_prune(turn=turn)
    return cutout


def cutouts_prune(*, turn: Turn) -> int:
    """Keep the version's newest KEPT_PER_VERSION cut-outs; their rows take their files."""
    old = Cutout.objects.filter(turn=turn).order_by("-created_at", "-pk")[KEPT_PER_VERSION:]
    deleted, _ = Cutout.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()
    return deleted
