"""Leaving: take everything with you (``account_export``), then go (``account_delete``).

The export is one zip: ``pixme.json`` with the account, the profile and the API tokens, and
what each app keeps of the person with its files beside it (``account_exporting``: the
avatars' history, each selfie and every version's PNG as stored; see
avatars.services.account).

The export also holds the deletion receipts kept for the person (``receipts`` in
``pixme.json``, and each signed file as it downloads, under ``receipts/``).

The deletion takes everything of the person's (``account_deleting``: every avatar, version and
file); what other people need stays without the person: reports they made (reporter emptied)
and the moderators' records (their descriptions are kept on the record itself). It answers the
account's deletion receipt — every file deleted, with its SHA-256 — handed over once and never
kept (accounts.receipts).
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
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import DeletionReceipt, User
from accounts.receipts import (
    Deletion,
    receipt_filename,
    receipt_handed_over,
    receipt_list_for_user,
)
from accounts.retention import retention_for
from accounts.services import api_token_list_for_user, profile_for_user
from accounts.signals import account_deleting, account_exporting, answers
from pixme.errors import ApplicationError
from pixme.media_files import prune_empty_folder

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
    # Not a with-block: the open file is the result, closed by whoever sends it.
    spool = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_BYTES)  # noqa: SIM115
    try:
        with zipfile.ZipFile(spool, "w") as archive:
            writer = ExportWriter(archive)
            document = {
                "format": EXPORT_FORMAT,
                "exported_at": timezone.now().isoformat(),
                "account": _account(user),
                "profile": _profile(user),
            }
            for entries in answers(account_exporting, sender=User, user=user, writer=writer):
                document.update(entries)  # the avatars and the reports the user made
            document["api_tokens"] = _api_tokens(user)
            document["receipts"] = _receipts(user, archive)
            document["missing"] = writer.missing
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


class ExportWriter:
    """Copies stored files into the export's zip, noting those the storage has lost."""

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
        "photo_retention": retention_for(profile=profile),
        "references": [{"avatar": t.avatar_id, "version": t.number} for t in references],
    }


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


def _receipts(user: User, archive: zipfile.ZipFile) -> list[dict]:
    """Each receipt kept for the user, as its signed file (in the zip, byte for byte as it
    downloads, so it still verifies) and as what it says."""
    entries = []
    for receipt in receipt_list_for_user(user=user).order_by("created_at", "id"):
        arcname = f"receipts/{receipt_filename(receipt)}"
        archive.writestr(arcname, receipt.document, compress_type=zipfile.ZIP_DEFLATED)
        entries.append({"file": arcname, **json.loads(receipt.document)})
    return entries


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def account_delete(*, request: HttpRequest, user: User, password: str) -> str:
    """Delete ``user`` for good, once their password is right. Returns the account's signed
    deletion receipt (every file that went, with its SHA-256): the caller hands it over, once.

    ``request`` goes to authenticate() so django-axes counts a wrong password like a failed
    log-in: a borrowed session can't guess its way to the password here either.

    What the apps keep of the user goes first, each app deleting its own under its own locks
    (``account_deleting``: the avatars, each locked, so a job finishing a version at this
    moment either committed its files before or finds the avatar gone). The files leave the
    storage once this commits (django-cleanup, see pixme.media_files)."""
    if not password:
        raise ApplicationError("Type your password to confirm.", code="password_required")
    checked = authenticate(request, username=user.get_username(), password=password)
    if checked is None or checked.pk != user.pk:
        raise ApplicationError(
            "That password isn't right, so nothing was deleted.", code="wrong_password"
        )
    with transaction.atomic():
        deletion = Deletion(
            kind=DeletionReceipt.Kind.ACCOUNT,
            reason=DeletionReceipt.Reason.USER,
            why="You deleted your account.",
            subject=f"The account {user.get_username()}",
            also_deleted=[
                "your profile and API tokens",
                "the receipts kept for you (download them from your profile first)",
            ],
        )
        account_deleting.send(sender=User, user=user, deletion=deletion)
        receipt = receipt_handed_over(user=user, deletion=deletion)
        names = [f.name for f in deletion.files] + deletion.missing
        user.delete()
        # After django-cleanup's own callbacks (registered first, so run first): the files
        # and their folders are gone by then; this takes the folders above them, the user's.
        transaction.on_commit(lambda: _prune_folders_above(names))
    return receipt


def _prune_folders_above(names: list[str]) -> None:
    """Remove the emptied folders above the files' own (django-cleanup removed those)."""
    for folder in {posixpath.dirname(name) for name in names}:
        while posixpath.dirname(folder):
            prune_empty_folder(storage=default_storage, name=folder)  # the folder's parent
            folder = posixpath.dirname(folder)
