"""Sticker packs: ask for one (:func:`sticker_pack_request`: checked at once, made by a job),
make it (:func:`sticker_pack_run`), check it against its messenger's rules before it is
offered (:func:`avatars.stickers.files.sticker_pack_check`), and hand it to its owner.

Each sticker is the cut-out of a version (its kept person mask, the messenger's white stroke
and, for Telegram, its shadow), trimmed to the person and fitted to the messenger's canvas,
then encoded and signed as made from that version (``c2pa.opened`` + ``c2pa.edited``, the
version as ``parentOf``). A manifest counts against the messenger's byte limit: a sticker is
encoded at lower WebP qualities until it fits *with* its manifest; one whose version has too
long an edit history to fit even then (each version of history adds ~6 KB) goes unsigned,
marked AI-made in its XMP like every file, and the pack says how many are signed.
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.models import User
from accounts.services import user_suspension_check
from avatars import images
from avatars.cutouts.services import turn_person_mask
from avatars.models import Avatar, StickerPack, StickerPackItem, Turn
from avatars.moderation.rules import MODERATED, avatar_moderation_check
from avatars.person import PersonMask
from avatars.provenance.services import (
    Parent,
    derived_credentials_add,
    turn_parent,
    turn_title,
)
from avatars.stickers.files import (
    MIME,
    sticker_encode,
    sticker_pack_check,
    sticker_picture,
    sticker_zip,
)
from avatars.stickers.messengers import MESSENGERS, Messenger, count_range, messenger_get
from pixme.errors import ApplicationError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
# A pack left "making" this long by a process that died is made again on the next ask.
STALE_AFTER = timedelta(minutes=2)
KEPT_PER_USER = 10  # the newest packs; older ones go with their zips
# Bumped when stickers are drawn differently: a pack asked for again is then made anew.
DRAWING = "1"
PACK_FAILED = "Something went wrong on our side while making the stickers. Please try again."
PREVIEWS = 6  # stickers of a pack the page shows (on a chequerboard, dark and light)


# -- asking ----------------------------------------------------------------------------------


def sticker_pack_request(*, owner: User, turn_ids: Iterable[int], messenger: str) -> StickerPack:
    """Ask for a pack of these versions (in this order, repeats dropped) for ``messenger``:
    refused at once, in words, when the count is outside what the messenger takes, a
    version isn't a finished one of the owner's, a moderator hid its avatar, or its kept
    mask says nobody is in it. The same ask again answers the pack made or being made."""
    rules = messenger_get(messenger)
    if rules is None:
        names = ", ".join(MESSENGERS)
        raise ApplicationError(f"Choose the messenger: one of {names}.", code="invalid")
    user_suspension_check(user=owner, doing="make sticker packs")
    ids = list(dict.fromkeys(turn_ids))
    low, high = count_range(rules)
    if len(ids) < low:
        raise ApplicationError(
            f"A {rules.name} pack needs at least {low} stickers; you chose {len(ids)}.",
            code="too_few_stickers",
        )
    if len(ids) > high:
        raise ApplicationError(
            f"A {rules.name} pack holds at most {high} stickers here; you chose {len(ids)}.",
            code="too_many_stickers",
        )
    found = {
        t.pk: t
        for t in Turn.objects.select_related("avatar", "avatar__style")
        .filter(pk__in=ids, avatar__owner=owner, status=Turn.Status.SUCCEEDED)
        .exclude(image="")
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise ApplicationError(
            "Stickers are made from finished versions of your own avatars; "
            f"these aren't: {', '.join(map(str, missing))}.",
            code="not_your_version",
            extra={"turns": missing},
        )
    turns = [found[i] for i in ids]
    for turn in turns:
        avatar_moderation_check(avatar=turn.avatar, doing="made into stickers")
    nobody = [t for t in turns if t.person and not PersonMask.from_dict(t.person).found]
    if nobody:
        named = ", ".join(f"v{t.number} of {t.avatar}" for t in nobody)
        raise ApplicationError(
            f"We couldn't find a person to cut out in {named}: choose other versions.",
            code="no_person",
        )
    key = _key(rules, turns)
    with transaction.atomic():
        pack = (
            StickerPack.objects.select_for_update()
            .filter(owner=owner, key=key)
            .exclude(status=StickerPack.Status.FAILED)
            .first()
        )
        if pack is not None and not _stale(pack):
            return pack  # made, or on its way
        if pack is not None:  # its maker died: make it again
            StickerPack.objects.filter(pk=pack.pk).update(
                status=StickerPack.Status.QUEUED, percent=0, updated_at=timezone.now()
            )
            pack.refresh_from_db()
        else:
            pack = StickerPack.objects.create(owner=owner, messenger=rules.slug, key=key)
            StickerPackItem.objects.bulk_create(
                StickerPackItem(pack=pack, turn=turn, position=n)
                for n, turn in enumerate(turns, start=1)
            )
        _enqueue(pack)
    sticker_packs_prune(owner=owner)
    return pack


def _key(rules: Messenger, turns: list[Turn]) -> str:
    text = ",".join([rules.slug, DRAWING] + [f"{t.pk}:{t.image.name}" for t in turns])
    return hashlib.sha256(text.encode()).hexdigest()


def _stale(pack: StickerPack) -> bool:
    unfinished = pack.status in (StickerPack.Status.QUEUED, StickerPack.Status.RUNNING)
    return unfinished and pack.updated_at < timezone.now() - STALE_AFTER


def _enqueue(pack: StickerPack) -> None:
    from avatars.stickers.tasks import make_sticker_pack

    pack_id = pack.pk
    transaction.on_commit(lambda: make_sticker_pack.enqueue(pack_id))


def sticker_packs_prune(*, owner: User) -> int:
    """Keep the owner's newest KEPT_PER_USER packs; their rows take their zips."""
    old = StickerPack.objects.filter(owner=owner).order_by("-created_at", "-pk")[KEPT_PER_USER:]
    deleted, _ = StickerPack.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()
    return deleted


def sticker_pack_get(*, owner: User, pack_id: int) -> StickerPack:
    """The owner's pack; anyone else's, and none at all, is not found (a 404)."""
    pack = StickerPack.objects.filter(pk=pack_id, owner=owner).first()
    if pack is None:
        raise ApplicationError("No such sticker pack.", code="not_found")
    return pack


def sticker_pack_download(*, pack: StickerPack) -> StickerPack:
    """The pack to hand out: refused while a moderator hides an avatar it was made from."""
    for avatar in Avatar.objects.filter(turns__sticker_pack_items__pack=pack).distinct():
        avatar_moderation_check(avatar=avatar, doing="downloaded as stickers")
    return pack


def sticker_pack_list(*, owner: User, limit: int = 5) -> list[StickerPack]:
    """The owner's newest packs, each made one with ``previews``: the positions of the
    stickers its page preview shows."""
    packs = list(StickerPack.objects.filter(owner=owner).order_by("-created_at", "-pk")[:limit])
    for pack in packs:
        made = pack.status == StickerPack.Status.READY
        pack.previews = list(range(1, min(pack.count, PREVIEWS) + 1)) if made else []
    return packs


def sticker_pack_sticker(*, pack: StickerPack, position: int) -> tuple[bytes, str]:
    """One sticker of a made pack, as (data, MIME type), read out of its zip: the page's
    preview shows the files exactly as the messenger gets them."""
    if pack.status != StickerPack.Status.READY or not pack.file:
        raise ApplicationError("The stickers are still being made.", code="not_found")
    with pack.file.open("rb") as fh, zipfile.ZipFile(fh) as archive:
        names = set(archive.namelist())
        for fmt, mime in MIME.items():
            name = f"{position:02d}.{fmt}"
            if name in names:
                return archive.read(name), mime
    raise ApplicationError("No such sticker in this pack.", code="not_found")


def messenger_choices() -> list[dict]:
    """The messengers a pack is made for, with how many stickers each takes here."""
    choices = []
    for rules in MESSENGERS.values():
        low, high = count_range(rules)
        choices.append({"slug": rules.slug, "name": rules.name, "low": low, "high": high})
    return choices


def sticker_choices(*, owner: User, limit: int = 60) -> list[Turn]:
    """The versions a pack can be made of: the owner's newest finished ones, of avatars no
    moderator hid or removed."""
    return list(
        Turn.objects.select_related("avatar", "avatar__style")
        .filter(avatar__owner=owner, status=Turn.Status.SUCCEEDED)
        .exclude(image="")
        .exclude(avatar__moderation__in=MODERATED)
        .order_by("-avatar__created_at", "-avatar_id", "-number")[:limit]
    )


# -- making ----------------------------------------------------------------------------------


def sticker_packs_recover(*, stale_after: float | None = None) -> list[int]:
    """Queue again the packs a dead process left queued or being made: all of them when the
    one runner starts (``stale_after`` None), else those with no news for that many seconds.
    The job claims its pack, so a pack queued twice is made once."""
    unfinished = StickerPack.objects.filter(
        status__in=[StickerPack.Status.QUEUED, StickerPack.Status.RUNNING]
    )
    if stale_after is not None:
        unfinished = unfinished.filter(
            updated_at__lt=timezone.now() - timedelta(seconds=stale_after)
        )
    recovered = []
    with transaction.atomic():
        for pack in unfinished.order_by("pk"):
            if StickerPack.objects.filter(pk=pack.pk, status=pack.status).update(
                status=StickerPack.Status.QUEUED, percent=0, updated_at=timezone.now()
            ):
                _enqueue(pack)
                recovered.append(pack.pk)
    return recovered


def sticker_pack_run(*, pack_id: int) -> StickerPack | None:
    """Make the pack (the job). Does nothing when it is made already or being made."""
    claimed = StickerPack.objects.filter(pk=pack_id, status=StickerPack.Status.QUEUED).update(
        status=StickerPack.Status.RUNNING, percent=1, updated_at=timezone.now()
    )
    if not claimed:
        return None
    pack = StickerPack.objects.get(pk=pack_id)
    try:
        return _make(pack)
    except ApplicationError as exc:  # a version without anybody in it, or gone meanwhile
        _failed(pack, code=exc.code, message=exc.message)
    except Exception:
        logger.exception("sticker pack %s could not be made", pack_id)
        _failed(pack, code="sticker_pack_failed", message=PACK_FAILED)
    pack.refresh_from_db()
    return pack


def _failed(pack: StickerPack, *, code: str, message: str) -> None:
    StickerPack.objects.filter(pk=pack.pk, status=StickerPack.Status.RUNNING).update(
        status=StickerPack.Status.FAILED,
        error_code=code,
        error_message=message[:300],
        updated_at=timezone.now(),
    )


def _make(pack: StickerPack) -> StickerPack:
    rules = MESSENGERS[pack.messenger]
    items = list(pack.items.select_related("turn", "turn__avatar", "turn__avatar__style"))

    def report(done: int) -> None:
        percent = 5 + 85 * done // max(1, len(items))
        StickerPack.objects.filter(pk=pack.pk).update(percent=percent, updated_at=timezone.now())

    files: list[tuple[str, bytes]] = []
    signed = 0
    tray = None
    for done, item in enumerate(items):
        turn = item.turn
        if not turn.image:
            raise ApplicationError(
                f"Version {turn.number} of {turn.avatar} is gone: ask for the pack again.",
                code="not_found",
            )
        with turn.image.open("rb") as fh:
            image = images.open_stored(fh.read())
        mask = turn_person_mask(turn=turn, image=image)
        picture = sticker_picture(image=image, mask=mask, rules=rules)
        parent = turn_parent(turn)
        title = f"{turn_title(turn)}, {rules.name} sticker"
        data, fmt, was_signed = sticker_encode(
            picture, rules=rules, meta=_meta(turn), sign=_signer(turn, parent, title)
        )
        files.append((f"{item.position:02d}.{fmt}", data))
        signed += was_signed
        if rules.tray is not None and tray is None:
            icon = picture.resize((rules.tray.side, rules.tray.side), Image.Resampling.LANCZOS)
            tray_title = f"{turn_title(turn)}, {rules.name} tray icon"
            tray, _fmt, tray_signed = sticker_encode(
                icon,
                rules=rules,
                meta=_meta(turn),
                sign=_signer(turn, parent, tray_title),
                formats=(rules.tray.fmt,),
                max_bytes=rules.tray.max_bytes,
            )
            signed += tray_signed
        report(done + 1)
    data = sticker_zip(pack, rules, files, tray)
    problems = sticker_pack_check(data, messenger=rules.slug)
    if problems:  # never offered: a pack a messenger would refuse is our bug
        raise ValueError(f"sticker pack {pack.pk} breaks {rules.name}'s rules: {problems}")
    name = f"pixme-{rules.slug}-stickers.zip"
    pack.file.save(name, ContentFile(data), save=False)
    with transaction.atomic():
        updated = StickerPack.objects.filter(pk=pack.pk, status=StickerPack.Status.RUNNING).update(
            status=StickerPack.Status.READY,
            percent=100,
            file=pack.file.name,
            count=len(files),
            signed=signed,
            updated_at=timezone.now(),
        )
    if not updated:  # deleted meanwhile (its avatar went): keep nothing
        pack.file.delete(save=False)
        return pack
    pack.refresh_from_db()
    return pack


def _meta(turn: Turn) -> dict[str, str]:
    return {
        "engine": turn.engine,
        "style": turn.avatar.style.slug,
        "model": turn.model or turn.engine,
    }


def _signer(turn: Turn, parent: Parent, title: str) -> Callable[[bytes, str], bytes]:
    def sign(data: bytes, mime: str) -> bytes:
        return derived_credentials_add(turn, data, mime=mime, title=title, parent=parent)

    return sign
