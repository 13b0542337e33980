"""``backup_create``: a consistent copy of a running embedded-default site, in one file.

The order is what makes it consistent. The database is copied first, through SQLite's online
backup API: a snapshot of one moment, taken without stopping the site (a file copy of a live
WAL database can be torn). Then every file that snapshot's rows name is copied, and the rest
of media with it. A file written after the snapshot is only an orphan in the backup — no row
names it; after a restore, ``pixme_check_storage --fix`` removes it — and copying the rest
keeps anything a row might name in a way this code doesn't know.

A file the snapshot names can be gone by the time it is copied, when its row was deleted
meanwhile (files are deleted after their row's deletion commits). The database is then copied
again and the files the new snapshot names that the archive lacks are added: the snapshot
that goes into the archive is the last one, and it names no file the archive lacks. A file
the site's own database still names but storage has lost is no race: the site is missing it
already. Such files (and any left after ``MAX_SNAPSHOTS`` snapshots) are listed in the report
and under ``missing`` in the manifest, and the backup is kept: a restored site lists them as
missing, as ``pixme_check_storage`` does on the site now.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from backups.archive import (
    C2PA,
    DATABASE,
    MEDIA,
    SECRET_KEY,
    ArchiveWriter,
)
from backups.embedded import DataPaths, data_paths_get
from backups.progress import NoProgress, Progress
from backups.stored_files import named_files_in_sqlite, names_still_named
from pixme.errors import ApplicationError

MAX_SNAPSHOTS = 5


@dataclass
class BackupReport:
    path: Path
    size: int  # of the archive, in bytes
    files: int  # stored files in it
    orphans: int  # of those, files no row of its database names
    missing: list[str]  # files its database names that it lacks
    secrets: list[str]  # the secrets it holds (archive names)
    notes: list[str] = field(default_factory=list)  # what the operator should know
    snapshots: int = 1
    seconds: float = 0.0


def backup_create(
    *, out: Path, with_secrets: bool = False, progress: Progress | None = None
) -> BackupReport:
    """Write a backup of this site to ``out`` (replaced only once the new one is complete)."""
    started = time.monotonic()
    progress = progress or NoProgress()
    paths = data_paths_get(doing="back up")
    out = _out_check(out=Path(out).absolute(), paths=paths)
    if not paths.database.is_file():
        raise ApplicationError(f"There is no database at {paths.database} to back up.")
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise ApplicationError(f"Can't write in {out.parent} ({exc.strerror}).") from None
    try:
        partial = work / "backup.tar"
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            writer = ArchiveWriter(tar, progress)
            report = _write(writer, work=work, paths=paths, progress=progress)
            report.secrets, report.notes = _secrets_add(writer, paths, with_secrets)
            writer.finish(
                {
                    "created_at": timezone.now().isoformat(),
                    "pixme_version": settings.PIXME_VERSION,
                    "migrations": _migrations(work / "snapshot.sqlite3"),
                    "missing": report.missing,
                    "secrets": report.secrets,
                },
                mtime=int(time.time()),
            )
        with partial.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, out)
        _fsync_folder(out.parent)
    except OSError as exc:  # a full disk, most likely: the old backup at OUT, if any, stays
        raise ApplicationError(f"Couldn't write the backup ({exc}); {out} is unchanged.") from None
    except sqlite3.Error as exc:
        raise ApplicationError(f"Couldn't copy the database ({exc}); {out} is unchanged.") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.path, report.size = out, out.stat().st_size
    report.seconds = time.monotonic() - started
    return report


def _out_check(*, out: Path, paths: DataPaths) -> Path:
    if out.is_dir():
        raise ApplicationError(f"{out} is a folder: name the backup file to write.")
    if not out.parent.is_dir():
        raise ApplicationError(f"No such folder: {out.parent}")
    if out.resolve().is_relative_to(paths.media.resolve()):
        raise ApplicationError(f"{out} is inside the media folder it copies: write it elsewhere.")
    return out


def _write(writer: ArchiveWriter, *, work: Path, paths: DataPaths, progress: Progress):
    """Media, then the database: snapshot, copy what it names (and, the first time, the rest
    of media), and again while a file it names went missing because its row was deleted."""
    snapshot = work / "snapshot.sqlite3"
    copied: set[str] = set()
    lost: set[str] = set()  # named by the live database, yet not in storage
    for round_ in range(1, MAX_SNAPSHOTS + 1):
        progress.set_description("database")
        named = _snapshot_take(paths.database, snapshot)
        wanted = sorted(set(named) - copied - lost)
        if round_ == 1:
            wanted = sorted(set(wanted) | set(_media_list(paths.media)))
            progress.reset(total=snapshot.stat().st_size + _sizes(paths.media, wanted))
        progress.set_description("files")
        for name in wanted:
            if writer.add_file(MEDIA + name, paths.media / name):
                copied.add(name)
        gone = set(named) - copied
        lost |= names_still_named(gone)
        if gone <= lost:
            break
    progress.set_description("database")
    writer.add_file(DATABASE, snapshot)
    return BackupReport(
        path=Path(),
        size=0,
        files=len(copied),
        orphans=len(copied - set(named)),
        missing=sorted(gone),
        secrets=[],
        snapshots=round_,
    )


def _snapshot_take(database: Path, target: Path) -> dict[str, list[str]]:
    """Copy the live database to ``target`` with SQLite's online backup, in one step (one
    read transaction: one moment); return the files its rows name."""
    target.unlink(missing_ok=True)
    source = sqlite3.connect(database, timeout=30)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            # One self-contained file: the restored site turns WAL back on when it connects.
            copy.execute("PRAGMA journal_mode=DELETE")
            (check,) = copy.execute("PRAGMA quick_check").fetchone()
            if check != "ok":
                raise ApplicationError(
                    f"The database at {database} is damaged ({check}): no backup was written."
                )
            return named_files_in_sqlite(copy)
        finally:
            copy.close()
    finally:
        source.close()


def _media_list(media: Path) -> list[str]:
    names = []
    for folder, _dirs, files in os.walk(media):
        for file in files:
            path = Path(folder, file)
            if path.is_file() and not path.is_symlink():
                names.append(path.relative_to(media).as_posix())
    return names


def _sizes(media: Path, names: list[str]) -> int:
    total = 0
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            total += (media / name).stat().st_size
    return total


def _secrets_add(writer: ArchiveWriter, paths: DataPaths, with_secrets: bool):
    """Put the secret key file and the local signing keys in, when asked; say what wasn't."""
    added, notes = [], []
    if not with_secrets:
        notes.append(
            "No secrets in it (add --with-secrets for them): a site restored from it signs "
            "everyone out, and its versions' Content Credentials verify as trusted only once "
            "the old signing keys are put back (README: Backups)."
        )
        return added, notes
    key_file = paths.secret_key
    if key_file.is_file() and key_file.read_text().strip() == settings.SECRET_KEY:
        writer.add_file(SECRET_KEY, key_file, private=True)
        added.append(SECRET_KEY)
    else:
        notes.append(
            "SECRET_KEY comes from the environment, not the secret key file: it isn't in the "
            "backup; keep it with your other secrets."
        )
    if settings.PIXME_C2PA_CHAIN or settings.PIXME_C2PA_KEY:
        notes.append(
            "The signing keys come from PIXME_C2PA_CHAIN and PIXME_C2PA_KEY: they aren't in "
            "the backup; keep them with your other secrets."
        )
    elif paths.c2pa.is_dir():
        for path in sorted(paths.c2pa.iterdir()):
            if path.is_file() and not path.is_symlink():
                writer.add_file(C2PA + path.name, path, private=True)
                added.append(C2PA + path.name)
    else:
        notes.append("No signing keys yet (nothing has been signed): none in the backup.")
    return added, notes


def _migrations(snapshot: Path) -> list[list[str]]:
    db = sqlite3.connect(snapshot)
    try:
        rows = db.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
    except sqlite3.OperationalError:  # never migrated
        rows = []
    finally:
        db.close()
    return [list(row) for row in rows]


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
