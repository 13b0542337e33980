"""Where the embedded default keeps a site: one data directory (``PIXME_VAR_DIR``) holding the
SQLite database, the media (``MEDIA_ROOT``, ``var/media`` unless set), the secret key file and
the local Content Credentials keys (``PIXME_C2PA_DIR``, ``var/c2pa`` unless set). Backups and
restores work only there; a scale-out site has better tools of its own, and the refusal says
which."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections

from pixme.errors import ApplicationError

SECRET_KEY_FILE = "secret_key"
STATIC_FOLDER = "staticfiles"
# Disposable caches (the picture URL's lookups, PIXME_PICTURE_CACHE_DIR): made by any run's
# start, never backed up.
CACHE_FOLDER = "cache"


@dataclass(frozen=True)
class DataPaths:
    var_dir: Path
    database: Path
    media: Path
    secret_key: Path
    c2pa: Path


def data_paths_get(*, doing: str) -> DataPaths:
    """The embedded default's paths; an ApplicationError saying what to use instead when the
    database or the media is elsewhere (``doing``: "back up", "restore")."""
    vendor = connections["default"].vendor
    if vendor != "sqlite":
        raise ApplicationError(
            f"This site's database is {vendor.capitalize()} (DATABASE_URL), not the embedded "
            f"SQLite: pixme_backup and pixme_restore can't {doing} it. Use the database's own "
            "tools, which copy a live database consistently: pg_dump for a snapshot, or "
            "continuous WAL archiving for point-in-time recovery (README: Backups).",
            code="not_embedded",
        )
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        raise ApplicationError(
            f"This site's media is in {type(storage).__name__} (AWS_STORAGE_BUCKET_NAME), not "
            f"on local disk: pixme_backup and pixme_restore can't {doing} it. Turn on the "
            "bucket's versioning (and replication to another region or account): every "
            "overwritten or deleted object stays recoverable there, without copying the "
            "bucket while the site writes to it (README: Backups).",
            code="not_embedded",
        )
    var_dir = Path(settings.VAR_DIR)
    return DataPaths(
        var_dir=var_dir,
        database=Path(settings.DATABASES["default"]["NAME"]),
        media=Path(storage.location),
        secret_key=var_dir / SECRET_KEY_FILE,
        c2pa=Path(settings.PIXME_C2PA_DIR),
    )
