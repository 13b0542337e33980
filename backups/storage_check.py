"""``storage_check``: does storage hold exactly the files the database names? Every file a
row names must be there and decode (pictures are opened and decoded, a JPEG at a reduced
size); every file in storage must be named by a row. Works on any Django storage that can
list itself: local media and S3 (django-storages) alike.

On a running site a file is saved a moment before the row that names it commits, and deleted
a moment after its row's deletion does. So storage is listed first and the rows read after,
and each file that looks missing or orphaned is looked at again (is it in storage now? does a
row name it now?) before it is reported. ``orphans_delete`` looks once more before it deletes
and leaves alone any file younger than ``PIXME_ORPHAN_MIN_AGE_MINUTES``: it may belong to a
row still being saved.
"""

from __future__ import annotations

import io
import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.utils import timezone
from PIL import Image

from backups.progress import NoProgress, Progress
from backups.stored_files import named_files, names_still_named

# Pillow decodes a JPEG at 1/8 of its size when asked for one this small.
REDUCED_SIZE = (256, 256)


@dataclass(frozen=True)
class MissingFile:
    name: str
    rows: list[str]  # the rows naming it, e.g. "avatars.Turn #4 image"


@dataclass(frozen=True)
class UnreadableFile:
    name: str
    rows: list[str]
    reason: str


@dataclass(frozen=True)
class Orphan:
    name: str
    size: int | None
    modified: datetime | None


@dataclass
class StorageReport:
    named: int = 0  # files rows name
    stored: int = 0  # files in storage
    missing: list[MissingFile] = field(default_factory=list)
    unreadable: list[UnreadableFile] = field(default_factory=list)
    orphans: list[Orphan] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.unreadable or self.orphans)


@dataclass
class OrphanDeletion:
    deleted: list[str] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (name, why it was kept)


def storage_files(storage: Storage) -> Iterator[str]:
    """Every file in ``storage``, walked folder by folder with ``listdir``."""
    folders = [""]
    while folders:
        folder = folders.pop()
        try:
            dirs, files = storage.listdir(folder)
        except FileNotFoundError:  # local media not made yet
            continue
        for name in files:
            yield posixpath.join(folder, name) if folder else name
        folders.extend(posixpath.join(folder, d) if folder else d for d in dirs)


def storage_check(*, progress: Progress | None = None) -> StorageReport:
    progress = progress or NoProgress()
    storage = default_storage
    stored = set(storage_files(storage))
    named = named_files()
    report = StorageReport(named=len(named), stored=len(stored))
    gone = {name for name in named if name not in stored and not storage.exists(name)}
    for name in sorted(names_still_named(gone)):
        report.missing.append(MissingFile(name, named[name].rows))
    progress.set_description("decoding")
    progress.reset(total=len(named))
    for name in sorted(named):
        progress.update(1)
        if name in gone:
            continue
        reason = _unreadable(storage, name, image=named[name].image)
        if reason and storage.exists(name):
            report.unreadable.append(UnreadableFile(name, named[name].rows, reason))
    unnamed = stored - set(named)
    for name in sorted(unnamed - names_still_named(unnamed)):
        if storage.exists(name):
            report.orphans.append(Orphan(name, *_size_and_time(storage, name)))
    return report


def _unreadable(storage: Storage, name: str, *, image: bool) -> str | None:
    """Why the stored file can't be used, or None when it reads (and decodes) fine."""
    try:
        with storage.open(name, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return "it is gone"
    except OSError as exc:
        return f"it can't be read ({exc})"
    if not image:
        return None
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.verify()  # a PNG's checksums, a file cut short…
        with Image.open(io.BytesIO(data)) as picture:
            picture.draft("RGB", REDUCED_SIZE)
            picture.load()
    except Exception as exc:  # Pillow raises many kinds for a broken file: each is the answer
        return f"it doesn't decode as a picture ({exc})"
    return None


def _size_and_time(storage: Storage, name: str) -> tuple[int | None, datetime | None]:
    try:
        return storage.size(name), storage.get_modified_time(name)
    except (OSError, NotImplementedError):
        return None, None


def orphans_delete(*, orphans: list[Orphan], min_age: timedelta | None = None) -> OrphanDeletion:
    """Delete the orphans a check found, except any a row names by now or that are younger
    than ``min_age`` (``PIXME_ORPHAN_MIN_AGE_MINUTES`` unless given)."""
    if min_age is None:
        min_age = timedelta(minutes=settings.PIXME_ORPHAN_MIN_AGE_MINUTES)
    storage = default_storage
    result = OrphanDeletion()
    named_now = names_still_named(orphan.name for orphan in orphans)
    now = timezone.now()
    for orphan in orphans:
        if orphan.name in named_now:
            result.kept.append((orphan.name, "a row names it now"))
            continue
        _size, modified = _size_and_time(storage, orphan.name)
        if modified is None or now - modified < min_age:
            result.kept.append((orphan.name, f"younger than {_minutes(min_age)}"))
            continue
        storage.delete(orphan.name)
        _prune_empty_folders(storage, orphan.name)
        result.deleted.append(orphan.name)
    return result


def _minutes(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _prune_empty_folders(storage: Storage, name: str) -> None:
    """On local disk, the folders the file leaves empty (object stores have no folders)."""
    location = getattr(storage, "location", None)
    if not location:
        return
    root = os.path.abspath(location)
    folder = os.path.dirname(os.path.join(root, name))
    while folder.startswith(root + os.sep):
        try:
            os.rmdir(folder)
        except OSError:  # not empty: stop here
            return
        folder = os.path.dirname(folder)
