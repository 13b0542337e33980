"""``backup_restore``: put a backup back into an empty data directory.

Nothing is written before the whole archive has been read and every member checked against
its manifest (backups.archive). Then it is written into a folder of its own beside the data
directory (in its parent), each file checked again as it lands, and only then moved into
place, the database last. A restore that fails on the way (a full disk) removes what it had
moved: the data directory is left as empty as it was found.

"Empty" is what any ``manage.py`` run leaves in a new data directory: the secret key file and
the static files folder (pixme/settings.py makes both when it is imported) — nothing else;
and no database, media or (when the backup holds some) signing keys where the settings put
them outside it.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.migrations.loader import MigrationLoader

from backups.archive import (
    C2PA,
    DATABASE,
    MEDIA,
    SECRET_KEY,
    ArchiveDamaged,
    VerifiedArchive,
    archive_extract,
    archive_verify,
)
from backups.embedded import (
    CACHE_FOLDER,
    SECRET_KEY_FILE,
    STATIC_FOLDER,
    DataPaths,
    data_paths_get,
)
from backups.progress import NoProgress, Progress
from pixme.errors import ApplicationError


@dataclass
class RestoreReport:
    files: int  # stored files restored
    size: int  # bytes restored
    created_at: str  # when the backup was made
    secrets: list[str]
    missing: list[str]  # files the backup's database names that it didn't hold
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def backup_restore(*, archive: Path, progress: Progress | None = None) -> RestoreReport:
    """Restore ``archive`` into the data directory ``PIXME_VAR_DIR`` names; an
    ApplicationError in words (and nothing written) when it is damaged or the directory isn't
    empty."""
    started = time.monotonic()
    progress = progress or NoProgress()
    paths = data_paths_get(doing="restore")
    archive = Path(archive).absolute()
    if not archive.is_file():
        raise ApplicationError(f"No such backup file: {archive}", code="not_found")
    key_in_use = _secret_key_file_in_use(paths)
    _empty_check(paths)
    verified = archive_verify(path=archive, progress=progress)
    _keys_check(paths, verified)
    staging = _staging_create(paths.var_dir)
    try:
        destination = _staging_map(archive, staging)
        for name in verified.entries:  # an entry of a newer format: refused before writing
            destination(name)
        archive_extract(path=archive, verified=verified, destination=destination, progress=progress)
        _place(staging, paths)
    except OSError as exc:  # a full disk, a folder we may not write to
        raise ApplicationError(
            f"Couldn't write the restore ({exc}). Nothing was restored.", code="not_writable"
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreReport(
        files=sum(1 for name in verified.entries if name.startswith(MEDIA)),
        size=sum(entry.size for entry in verified.entries.values()),
        created_at=str(verified.manifest.get("created_at", "")),
        secrets=[name for name in verified.entries if name.startswith("secrets/")],
        missing=list(verified.manifest.get("missing", [])),
        notes=_notes(verified, key_in_use=key_in_use),
        seconds=time.monotonic() - started,
    )


def _secret_key_file_in_use(paths: DataPaths) -> bool:
    try:
        return paths.secret_key.read_text().strip() == settings.SECRET_KEY
    except OSError:
        return False


def _empty_check(paths: DataPaths) -> None:
    in_the_way = [
        path
        for path in sorted(paths.var_dir.iterdir())
        if not (
            (path.name == SECRET_KEY_FILE and path.is_file())
            or (path.name in (STATIC_FOLDER, CACHE_FOLDER) and path.is_dir())
        )
    ]
    for path in (paths.database, paths.database.with_name(paths.database.name + "-wal")):
        if path.exists() and path not in in_the_way:
            in_the_way.append(path)
    media = paths.media  # when the settings put it outside the data directory
    if not media.is_relative_to(paths.var_dir) and media.is_dir() and any(media.iterdir()):
        in_the_way.append(media)
    if in_the_way:
        shown = ", ".join(str(path) for path in in_the_way[:5])
        more = f" and {len(in_the_way) - 5} more" if len(in_the_way) > 5 else ""
        raise ApplicationError(
            f"The data directory {paths.var_dir} isn't empty: {shown}{more}. Restore into a "
            "new, empty PIXME_VAR_DIR (it may hold only the secret key file and the static "
            "files folder any manage.py run makes); nothing was restored.",
            code="not_empty",
        )


def _staging_create(var_dir: Path) -> Path:
    try:
        return Path(tempfile.mkdtemp(prefix=f".{var_dir.name}.restore-", dir=var_dir.parent))
    except OSError as exc:
        raise ApplicationError(
            f"Can't write beside {var_dir} ({exc.strerror}): a restore is written into "
            f"{var_dir.parent} first, then moved into place. Nothing was restored.",
            code="not_writable",
        ) from None


def _keys_check(paths: DataPaths, verified: VerifiedArchive) -> None:
    """Signing keys the settings keep outside the data directory are never replaced."""
    keys = paths.c2pa
    has_keys = any(name.startswith(C2PA) for name in verified.entries)
    outside = not keys.is_relative_to(paths.var_dir)
    if has_keys and outside and keys.is_dir() and any(keys.iterdir()):
        raise ApplicationError(
            f"{keys} (PIXME_C2PA_DIR) already holds signing keys, which the backup's would "
            "replace: empty it or point PIXME_C2PA_DIR elsewhere; nothing was restored.",
            code="not_empty",
        )


def _staging_map(archive: Path, staging: Path):
    def destination(name: str) -> Path:
        if name == DATABASE:
            return staging / "database"
        if name == SECRET_KEY:
            return staging / "secret_key"
        if name.startswith(MEDIA):
            return staging / "media" / name[len(MEDIA) :]
        if name.startswith(C2PA) and "/" not in name[len(C2PA) :]:
            return staging / "c2pa" / name[len(C2PA) :]
        raise ArchiveDamaged(archive, f"it holds {name}, which this version can't restore")

    return destination


def _place(staging: Path, paths: DataPaths) -> None:
    """Move what was written into place, the database last; undo it all if a move fails."""
    moves = [
        (staging / "media", paths.media),
        (staging / "c2pa", paths.c2pa),
        (staging / "secret_key", paths.secret_key),
        (staging / "database", paths.database),
    ]
    for secret in (staging / "secret_key", *(staging / "c2pa").glob("*")):
        if secret.is_file():
            secret.chmod(0o600)
    if (staging / "c2pa").is_dir():
        (staging / "c2pa").chmod(0o700)
    placed: list[Path] = []
    try:
        for source, target in moves:
            if source.exists():
                placed.extend(_move(source, target))
    except BaseException:
        for path in reversed(placed):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    path.unlink()
        raise


def _move(source: Path, target: Path) -> list[Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir() and target.is_dir():  # an empty folder is there (a mount point, say)
        moved = []
        for child in sorted(source.iterdir()):
            shutil.move(child, target / child.name)
            moved.append(target / child.name)
        return moved
    shutil.move(source, target)  # a rename on one filesystem, a copy across two
    return [target]


def _notes(verified: VerifiedArchive, *, key_in_use: bool) -> list[str]:
    notes = []
    names = verified.entries
    if SECRET_KEY in names and not key_in_use:
        notes.append(
            "SECRET_KEY is set in this environment: it wins over the restored secret key "
            "file. Set it to the old site's key, or unset it, so sessions carry over."
        )
    if any(name.startswith(C2PA) for name in names):
        if settings.PIXME_C2PA_CHAIN or settings.PIXME_C2PA_KEY:
            notes.append(
                "PIXME_C2PA_CHAIN and PIXME_C2PA_KEY are set here: new versions are signed "
                f"with those, not the restored keys in {settings.PIXME_C2PA_DIR}."
            )
    elif not any(name.startswith("secrets/") for name in names):
        notes.append(
            "This backup holds no secrets (it was made without --with-secrets). Until the old "
            f"site's keys are supplied, the versions' Content Credentials verify here as signed "
            "by an unknown issuer, and everyone signs in again: before the site's first start "
            f"copy the old site's c2pa folder to {settings.PIXME_C2PA_DIR} (or set "
            "PIXME_C2PA_CHAIN and PIXME_C2PA_KEY, or add the old root to "
            "PIXME_C2PA_TRUST_ANCHORS) and its secret key file into PIXME_VAR_DIR (or set "
            "SECRET_KEY)."
        )
    applied = {tuple(pair) for pair in verified.manifest.get("migrations", [])}
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(applied - known)
    if unknown:
        shown = ", ".join(f"{app}.{name}" for app, name in unknown[:3])
        notes.append(
            f"The backup's database has migrations this code doesn't know ({shown}…): it was "
            "made by a newer Pix Me!; run that version on it."
        )
    elif known - applied:
        notes.append("This code is newer than the backup: run `manage.py migrate` before starting.")
    missing = verified.manifest.get("missing", [])
    if missing:
        notes.append(
            f"{len(missing)} file(s) the backup's database names were not in it (missing from "
            "the site when it was made); `manage.py pixme_check_storage` lists them."
        )
    return notes
