"""Files leave with their rows: django-cleanup deletes a deleted row's files after the
transaction commits — whatever deleted it: the site, the API, the admin, a cascade from a
user, the shell. This adds the part it leaves: the folder the file was in, once empty, so
local media keeps no empty ``u<id>/<token>/`` behind (object stores have no folders)."""

from __future__ import annotations

import contextlib
import os

from django_cleanup.signals import cleanup_post_delete


def prune_empty_folder(*, storage, name: str) -> None:
    location = getattr(storage, "location", None)
    if not location:
        return
    folder = os.path.dirname(os.path.join(location, name))
    with contextlib.suppress(OSError):  # not empty, already gone: nothing to do
        os.rmdir(folder)


def _after_file_deleted(sender, file, file_name: str, success: bool, **kwargs) -> None:
    if success:  # ``file.name`` is None by now: the event keeps the name it had
        prune_empty_folder(storage=file.storage, name=file_name)


def connect() -> None:
    cleanup_post_delete.connect(_after_file_deleted, dispatch_uid="pixme_prune_empty_folder")
