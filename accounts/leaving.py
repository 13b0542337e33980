"""Leaving: take everything with you (``account_export``), then go (``account_delete``).

The export is one zip: each selfie and every version's PNG as stored, and ``pixme.json`` with
the profile and each avatar's history, naming the files beside it. Thumbnails stay out: they
are small copies of the PNGs, made by the site. A hidden or removed avatar's versions stay out
too, as its downloads do: pixme.json lists them with the decision and says why in the
download's words (``pictures_left_out``; the rule: avatars.moderation.rules).

The deletion takes every avatar, version and file; what other people need stays without the
person: reports they made (reporter emptied) and the moderators' records (their descriptions
are kept on the record itself).
"""

from __future__ import annotations

import json
import posixpath
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from django.contrib.auth import authenticate
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Prefetch
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.services import api_token_list_for_user, profile_for_user
from avatars.media_files import prune_empty_folder
from avatars.models import Avatar, Report, Turn
from avatars.moderation.rules import avatar_moderation_refusal
from avatars.services.avatars import avatar_delete
from avatars.services.limits import user_lock
from pixme.errors import ApplicationError

# The zip is built in memory up to this size, then in a temporary file: a user with hundreds
# of 2048-px versions must not cost the server their whole archive in memory.
EXPORT_SPOOL_BYTES = 16 * 1024 * 1024
COPY_CHUNK_BYTES = 1024 * 1024
EXPORT_FORMAT = 1


@dataclass(frozen=True)
class AccountExport:
    file: IO[bytes]  # the zip, read from the start; whoever sends it closes it
    filename: str


def account_export(*, user: User) -> AccountExport:
    """Everything ``user`` has here, as a zip. Files are read through the storage API in
    chunks (local disk or an object store alike) and stored uncompressed: PNG and JPEG
    already are compressed. A file the storage has lost is listed under ``missing``."""
    avatars = (
        Avatar.objects.filter(owner=user)
        .select_related("style")
        .prefetch_related(Prefetch("turns", queryset=Turn.objects.order_by("number")))
        .order_by("created_at", "id")
    )
    # Not a with-block: the open file is the result, closed by whoever sends it.
    spool = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_BYTES)  # noqa: SIM115
    try:
        with zipfile.ZipFile(spool, "w") as archive:
            writer = _ExportWriter(archive)
            history = [_avatar_history(writer, avatar) for avatar in avatars]
            document = {
                "format": EXPORT_FORMAT,
                "exported_at": timezone.now().isoformat(),
                "account": _account(user),
                "profile": _profile(user),
                "avatars": history,
                "reports": _reports(user),
                "api_tokens": _api_tokens(user),
                "missing": writer.missing,
            }
            archive.writestr(
                "pixme.json",
                json.dumps(document, indent=2, ensure_ascii=False),
                compress_type=zipfile.ZIP_DEFLATED,
            )
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    filename = f"pixme-{user.get_username()}-{timezone.localdate():%Y-%m-%d}.zip"
    return AccountExport(file=spool, filename=filename)


class _ExportWriter:
    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.missing: list[str] = []

    def copy(self, field: FieldFile, arcname: str, *, when: datetime) -> str | None:
        """Copy a stored file into the zip as ``arcname``; its name there, or None."""
        if not field:
            return None
        info = zipfile.ZipInfo(arcname, date_time=timezone.localtime(when).timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED
        try:
            source = field.storage.open(field.name, "rb")
        except FileNotFoundError:
            self.missing.append(arcname)
            return None
        with source, self.archive.open(info, "w") as target:
            shutil.copyfileobj(source, target, COPY_CHUNK_BYTES)
        return arcname


def _avatar_history(writer: _ExportWriter, avatar: Avatar) -> dict:
    folder = f"avatars/{avatar.pk}-{avatar.style.slug}"
    turns = list(avatar.turns.all())
    numbers = {turn.pk: turn.number for turn in turns}
    left_out = avatar_moderation_refusal(avatar=avatar, doing="downloaded")
    return {
        "id": avatar.pk,
        "title": avatar.title,
        "style": avatar.style.slug,
        "style_name": avatar.style.name,
        "created_at": avatar.created_at.isoformat(),
        "visibility": avatar.visibility,
        "moderation": avatar.moderation,
        "moderation_reason": avatar.moderation_reason,
        "face_note": avatar.face_note,
        # The photo the owner gave us comes back even from a hidden avatar (its page shows it
        # to them too): the decision is about what we drew.
        "selfie": writer.copy(avatar.source, f"{folder}/selfie.jpg", when=avatar.created_at),
        "pictures_left_out": left_out,
        "current_version": numbers.get(avatar.current_turn_id),
        "versions": [
            _version(writer, folder, turn, numbers, with_image=left_out is None) for turn in turns
        ],
    }


def _version(
    writer: _ExportWriter, folder: str, turn: Turn, numbers: dict[int, int], *, with_image: bool
) -> dict:
    extension = turn.image.name.rsplit(".", 1)[-1] if turn.image else "png"
    image = None
    if with_image:
        image = writer.copy(
            turn.image,
            f"{folder}/v{turn.number}.{extension}",
            when=turn.finished_at or turn.created_at,
        )
    return {
        "number": turn.number,
        "parent": numbers.get(turn.parent_id),
        "kind": turn.kind,
        "instruction": turn.instruction,
        "engine": turn.engine,
        "model": turn.model,
        "aspect_ratio": turn.aspect_ratio,
        "image_size": turn.image_size,
        "status": turn.status,
        "model_text": turn.model_text,
        "likeness": turn.likeness,
        "error_code": turn.error_code,
        "error_message": turn.error_message,
        "width": turn.width,
        "height": turn.height,
        "created_at": _iso(turn.created_at),
        "started_at": _iso(turn.started_at),
        "finished_at": _iso(turn.finished_at),
        "image": image,
    }


def _account(user: User) -> dict:
    return {
        "username": user.get_username(),
        "email": user.email,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
    }


def _profile(user: User) -> dict:
    profile = profile_for_user(user=user)
    references = profile.references.select_related("avatar").order_by("avatar_id", "number")
    return {
        "display_name": profile.display_name,
        "backstory": profile.backstory,
        "palette": profile.palette,
        "traits": profile.traits,
        "caption": profile.caption,
        "favourite_styles": list(profile.favourite_styles.values_list("slug", flat=True)),
        "default_engine": profile.default_engine,
        "default_model": profile.default_model,
        "references": [{"avatar": t.avatar_id, "version": t.number} for t in references],
    }


def _reports(user: User) -> list[dict]:
    return [
        {"reason": r.reason, "note": r.note, "created_at": _iso(r.created_at)}
        for r in Report.objects.filter(reporter=user).order_by("created_at")
    ]


def _api_tokens(user: User) -> list[dict]:
    # What the profile page shows; never a secret (none is kept) nor its digest.
    return [
        {
            "name": t.name,
            "prefix": t.prefix,
            "created": _iso(t.created),
            "last_used_at": _iso(t.last_used_at),
            "expiry": _iso(t.expiry),
        }
        for t in api_token_list_for_user(user=user).order_by("created")
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def account_delete(*, request: HttpRequest, user: User, password: str) -> None:
    """Delete ``user`` for good, once their password is right.

    ``request`` goes to authenticate() so django-axes counts a wrong password like a failed
    log-in: a borrowed session can't guess its way to the password here either.

    The avatars go first, each through avatar_delete, which locks it: a job finishing a
    version at this moment either committed its files before (they go with the row) or finds
    the avatar gone and removes its own; a queued job finds nothing left to claim. The files
    leave the storage once this commits (django-cleanup, see avatars.media_files)."""
    if not password:
        raise ApplicationError("Type your password to confirm.", code="password_required")
    checked = authenticate(request, username=user.get_username(), password=password)
    if checked is None or checked.pk != user.pk:
        raise ApplicationError(
            "That password isn't right, so nothing was deleted.", code="wrong_password"
        )
    with transaction.atomic():
        user_lock(user=user)  # no new avatar can start while the account goes
        avatars = list(Avatar.objects.filter(owner=user).prefetch_related("turns"))
        names = [a.source.name for a in avatars] + [
            f.name for a in avatars for t in a.turns.all() for f in (t.image, t.thumbnail) if f
        ]
        for avatar in avatars:
            avatar_delete(avatar=avatar)
        user.delete()
        # After django-cleanup's own callbacks (registered first, so run first): the files
        # and their folders are gone by then; this takes the folders above them, the user's.
        transaction.on_commit(lambda: _prune_folders_above(names))


def _prune_folders_above(names: list[str]) -> None:
    """Remove the emptied folders above the files' own (django-cleanup removed those)."""
    for folder in {posixpath.dirname(name) for name in names}:
        while posixpath.dirname(folder):
            prune_empty_folder(storage=default_storage, name=folder)  # the folder's parent
            folder = posixpath.dirname(folder)
