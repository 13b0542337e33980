"""The picture URL: a user shows one of their avatars at ``/avatar/<hash>``, the MD5 or SHA-256
of their confirmed address, where Gravatar and Libravatar clients look; and the face-framed
squares that URL and the profile-picture exports hand out.

- Publishing needs a confirmed address (``accounts.confirmation``): only the holder of the
  mailbox can put a picture under its hash. Off by default; switching off stops at once.
- What a hash shows is decided in :func:`_resolve` and nowhere else: the owner is active, not
  suspended, still has that address confirmed; the avatar isn't hidden or removed by a
  moderator; the version is finished and has its picture. Anything else shows the default,
  whatever the reason, so the answer never tells whether an address has an account.
- The decision is cached per hash for ``LOOKUP_SECONDS`` in the cache every process shares
  ("pictures": Redis, or a folder of var/), and forgotten at once when the owner publishes,
  stops, changes or confirms an address, is suspended, or the avatar or its version changes.
- Each size is cut once, stored as a :class:`~avatars.models.PictureSize` (through the
  storage, deleted with its version or a moderator's removal) and kept in memory.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import secrets
import time
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from PIL import Image

from accounts.confirmation import email_confirmed_address, email_hashes
from accounts.models import User
from accounts.services import user_suspension_check
from avatars import images
from avatars.models import Avatar, Picture, PictureSize, Turn
from avatars.moderation.rules import MODERATED, avatar_moderation_check
from avatars.picture.framing import (
    Square,
    circle_picture,
    face_square,
    picture_face,
    square_picture,
)
from avatars.picture.memory import PICTURES
from pixme.errors import ApplicationError

logger = logging.getLogger(__name__)

MIN_SIDE, MAX_SIDE, DEFAULT_SIDE = 1, 2048, 80
# The sizes people upload as a profile picture, and the round one's.
EXPORT_SIDES = (1024, 512, 400, 256, 128, 64)
CIRCLE_SIDE = 1024
# How long a hash's answer is cached between the changes that forget it at once (the ones
# no receiver hears, such as a moderator's bulk update, are seen within this).
LOOKUP_SECONDS = 30
# Bumped when the way a square is cut or encoded changes: every stored size is made again.
FRAMING_VERSION = "1"

# --- publishing ------------------------------------------------------------------------


def picture_get(*, user: User) -> Picture | None:
    return Picture.objects.filter(owner=user).select_related("avatar", "turn").first()


def picture_url_paths(*, user: User) -> tuple[str, str] | None:
    """The paths of the user's picture URL (by the SHA-256, then by the MD5 of their
    address), or None while no address of theirs is confirmed."""
    address = email_confirmed_address(user=user)
    if address is None:
        return None
    md5, sha256 = email_hashes(address)
    return f"/avatar/{sha256}", f"/avatar/{md5}"


@transaction.atomic
def picture_publish(*, user: User, avatar: Avatar, turn: Turn | None = None) -> Picture:
    """Show ``avatar`` (its current version, whichever it is) or one ``turn`` of it at the
    user's picture URL. Only the owner of a confirmed address can: that is what stops anyone
    showing a picture under someone else's address."""
    user_suspension_check(user=user, doing="show an avatar at your picture URL")
    address = email_confirmed_address(user=user)
    if address is None:
        raise ApplicationError(
            "Confirm your e-mail address first: open the link we sent to it (or ask for a new "
            "one on your profile page). Your picture URL is made from that address.",
            code="email_unverified",
        )
    if avatar.owner_id != user.pk:
        raise Avatar.DoesNotExist  # someone else's: as if it didn't exist
    avatar_moderation_check(avatar=avatar, doing="shown at your picture URL")
    if turn is not None and turn.avatar_id != avatar.pk:
        raise ApplicationError("That version belongs to another avatar.")
    shown = turn or avatar.current_turn
    if shown is None or shown.status != Turn.Status.SUCCEEDED or not shown.image:
        what = f"Version {shown.number} isn't" if shown else "No version is"
        raise ApplicationError(f"{what} finished yet, so there is nothing to show.")
    md5, sha256 = email_hashes(address)
    before = _hashes_of(user)
    picture, _ = Picture.objects.update_or_create(
        owner=user, defaults={"avatar": avatar, "turn": turn, "md5": md5, "sha256": sha256}
    )
    _forget_on_commit(before | {md5, sha256})
    return picture


@transaction.atomic
def picture_unpublish(*, user: User) -> None:
    """Nothing at the user's picture URL any more: the default, from the next request on."""
    hashes = _hashes_of(user)
    Picture.objects.filter(owner=user).delete()
    _forget_on_commit(hashes)


def picture_email_changed(*, user: User) -> None:
    """The owner's address or its confirmation changed: the picture moves to the hashes of
    the address confirmed now (none while it isn't), and the old ones show the default."""
    before = _hashes_of(user)
    address = email_confirmed_address(user=user)
    md5, sha256 = email_hashes(address) if address else ("", "")
    Picture.objects.filter(owner=user).update(md5=md5, sha256=sha256)
    _forget_on_commit(before | {md5, sha256})


def picture_forget_owner(*, owner_id: int) -> None:
    """Something an answer depends on changed (the owner, the avatar, its current version):
    the owner's hashes are looked up afresh."""
    _forget_on_commit(_hashes_of_owner(owner_id))


def picture_forget_avatar(*, avatar_id: int) -> None:
    """The avatar's current version changed: a picture following it shows the new one."""
    for owner_id in Picture.objects.filter(avatar_id=avatar_id).values_list("owner_id", flat=True):
        picture_forget_owner(owner_id=owner_id)


def picture_forget_hashes(*, hashes: set[str]) -> None:
    """A picture row went (stopped, or deleted with its avatar or account)."""
    _forget_on_commit(hashes)


def _hashes_of(user: User) -> set[str]:
    hashes = _hashes_of_owner(user.pk)
    address = email_confirmed_address(user=user)
    if address:
        hashes.update(email_hashes(address))
    return hashes


def _hashes_of_owner(owner_id: int) -> set[str]:
    rows = Picture.objects.filter(owner_id=owner_id).values_list("md5", "sha256")
    return {h for row in rows for h in row if h}


def _lookup_key(digest: str) -> str:
    return f"picture:hash:{digest}"


def _forget(hashes: set[str]) -> None:
    if hashes:
        caches["pictures"].delete_many([_lookup_key(h) for h in hashes])


def _forget_on_commit(hashes: set[str]) -> None:
    """Now, and again once the change commits: a request may read the old rows meanwhile
    and cache what they said."""
    hashes = set(hashes)
    _forget(hashes)
    transaction.on_commit(lambda: _forget(hashes))


# --- what a hash shows -------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A version shown at a picture URL: all an answer needs, cached per hash."""

    turn_id: int
    image: str  # the version's stored picture
    width: int
    height: int
    square: Square
    engine: str
    style: str
    model: str

    @property
    def tag(self) -> str:
        """Changes whenever the bytes would: another version, picture or framing."""
        raw = f"{self.turn_id}:{self.image}:{self.square.key}:{FRAMING_VERSION}"
        return hashlib.sha256(raw.encode()).hexdigest()[:20]


def picture_lookup(*, digest: str) -> Shown | None:
    """What the hash ``digest`` (lower-case hex MD5 or SHA-256) shows now, or None."""
    key = _lookup_key(digest)
    cached = caches["pictures"].get(key)
    if cached is not None:
        return cached or None
    shown = _resolve(digest)
    caches["pictures"].set(key, shown or False, LOOKUP_SECONDS)
    return shown


def _resolve(digest: str) -> Shown | None:
    field = "md5" if len(digest) == 32 else "sha256"
    pictures = (
        Picture.objects.filter(**{field: digest})
        .select_related("owner", "avatar__style", "avatar__current_turn", "turn")
        .order_by("-updated_at")
    )
    for picture in pictures:
        owner = picture.owner
        if not owner.is_active or owner.is_suspended:
            continue
        address = email_confirmed_address(user=owner)
        if address is None or digest not in email_hashes(address):
            continue
        avatar = picture.avatar
        if avatar.moderation in MODERATED:
            continue
        turn = picture.turn or avatar.current_turn
        if turn is None or turn.status != Turn.Status.SUCCEEDED or not turn.image:
            continue
        turn.avatar = avatar
        return turn_shown(turn=turn)
    return None


def turn_shown(*, turn: Turn) -> Shown:
    """A finished version as a picture: its square framed on the face."""
    width, height = turn.width, turn.height
    if not (width and height):
        with turn.image.open("rb") as fh, Image.open(fh) as opened:
            width, height = opened.size
    face = picture_face(
        width=width,
        height=height,
        version_faces=turn.faces,
        source_faces=turn.avatar.source_faces,
    )
    return Shown(
        turn_id=turn.pk,
        image=turn.image.name,
        width=width,
        height=height,
        square=face_square(width, height, face),
        engine=turn.engine,
        style=turn.avatar.style.slug,
        model=turn.model or turn.engine,
    )


# --- the squares -------------------------------------------------------------------------


def picture_bytes(*, shown: Shown, side: int, fmt: str) -> bytes:
    """The version's square at ``side`` px as ``fmt`` (png, webp, circle): from memory, else
    the stored size, else cut now (and stored, up to PIXME_PICTURE_SIZES_KEPT sizes a
    version). Raises FileNotFoundError when the version's picture is gone."""
    key = (shown.tag, side, fmt)
    data = PICTURES.get(key)
    if data is None:
        data = _stored(shown, side, fmt)
        if data is None:
            data = _made(shown, side, fmt)
        PICTURES.put(key, data)
    return data


def _framing(shown: Shown) -> str:
    return f"{FRAMING_VERSION}:{shown.square.key}"


def _stored(shown: Shown, side: int, fmt: str) -> bytes | None:
    row = PictureSize.objects.filter(
        turn_id=shown.turn_id, side=side, fmt=fmt, framing=_framing(shown)
    ).first()
    if row is None:
        return None
    try:
        with row.file.open("rb") as fh:
            return fh.read()
    except FileNotFoundError:
        row.delete()  # lost from the storage: made again below
        return None


def _made(shown: Shown, side: int, fmt: str) -> bytes:
    with default_storage.open(shown.image, "rb") as fh:
        picture = images.open_stored(fh.read())
    if picture.size != (shown.width, shown.height):
        picture = picture.resize((shown.width, shown.height), Image.Resampling.LANCZOS)
    square = square_picture(picture, shown.square, side)
    marks = {"engine": shown.engine, "style": shown.style, "model": shown.model}
    if fmt == PictureSize.Format.WEBP:
        data = images.encode_webp(square, **marks)
    elif fmt == PictureSize.Format.CIRCLE:
        data = images.encode_png(circle_picture(square), keep_alpha=True, **marks)
    else:
        data = images.encode_png(square, **marks)
    _keep(shown, side, fmt, data)
    return data


def _keep(shown: Shown, side: int, fmt: str, data: bytes) -> None:
    """Store a size made now, unless the version has as many as it may keep (so asking for
    every size from 1 to 2048 can't fill the storage: those stay in memory only). The sizes
    of an earlier framing of the version are deleted: nothing shows them any more."""
    framing = _framing(shown)
    kept = PictureSize.objects.filter(turn_id=shown.turn_id)
    for stale in kept.exclude(framing=framing):
        stale.delete()
    if kept.count() >= settings.PIXME_PICTURE_SIZES_KEPT:
        return
    turn = Turn.objects.select_related("avatar").filter(pk=shown.turn_id).exclude(image="").first()
    if turn is None or turn.image.name != shown.image:
        return  # deleted or removed meanwhile: nothing to keep it with
    ext = "webp" if fmt == PictureSize.Format.WEBP else "png"
    row = PictureSize(turn=turn, side=side, fmt=fmt, framing=framing)
    row.file.save(f"{side}-{secrets.token_hex(4)}.{ext}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # another request kept the same size first
        row.file.delete(save=False)


def picture_sizes_delete(*, avatar: Avatar) -> None:
    """A moderator removed the avatar's pictures: its sizes go too (files after commit)."""
    for row in PictureSize.objects.filter(turn__avatar=avatar):
        row.delete()


# --- the profile-picture exports ---------------------------------------------------------


def picture_export_check(*, turn: Turn) -> None:
    avatar_moderation_check(avatar=turn.avatar, doing="downloaded")
    if turn.status != Turn.Status.SUCCEEDED or not turn.image:
        raise ApplicationError(f"Version {turn.number} isn't finished, so it has no picture yet.")


def picture_preview(*, turn: Turn, side: int = 256) -> bytes:
    """The version's face-framed square, for the avatar page's preview."""
    picture_export_check(turn=turn)
    return picture_bytes(shown=turn_shown(turn=turn), side=side, fmt=PictureSize.Format.PNG)


def picture_export_zip(*, turn: Turn) -> tuple[bytes, str]:
    """A zip of the version's face-framed squares at the sizes sites ask for, and a round
    PNG: the bytes and the zip's file name."""
    picture_export_check(turn=turn)
    shown = turn_shown(turn=turn)
    stem = f"pixme-{turn.avatar.style.slug}-{turn.avatar_id}-v{turn.number}"
    out = io.BytesIO()
    # Stored, not deflated: PNGs are compressed already.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for side in EXPORT_SIDES:
            data = picture_bytes(shown=shown, side=side, fmt=PictureSize.Format.PNG)
            archive.writestr(f"{stem}/{stem}-{side}.png", data)
        circle = picture_bytes(shown=shown, side=CIRCLE_SIDE, fmt=PictureSize.Format.CIRCLE)
        archive.writestr(f"{stem}/{stem}-round-{CIRCLE_SIDE}.png", circle)
    return out.getvalue(), f"{stem}-profile-pictures.zip"


# --- the rate per client address ---------------------------------------------------------

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def picture_rate_check(*, address: str) -> int | None:
    """Count one answer for ``address`` (``PIXME_PICTURE_RATE``, a fixed window: two cache
    operations, where DRF's sliding history would rewrite a list of every request): the
    seconds to wait when it is over, else None."""
    rate = settings.PIXME_PICTURE_RATE
    if not rate:
        return None
    allowed, period = rate.split("/")
    seconds = _PERIODS[period[0]]
    now = time.time()
    window = int(now // seconds)
    key = f"picture:rate:{address}:{window}"
    counts = caches["picture_rate"]  # a key per reader: kept apart from the site's cache
    if counts.add(key, 1, seconds + 1):
        return None
    try:
        count = counts.incr(key)
    except ValueError:  # expired between the two
        counts.set(key, 1, seconds + 1)
        return None
    if count <= int(allowed):
        return None
    return max(1, math.ceil((window + 1) * seconds - now))
