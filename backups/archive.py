"""The backup archive: one uncompressed tar file (pictures are compressed already) holding

    media/<name>               every stored file, under its name in storage
    database/pixme.sqlite3     the database, as SQLite's online backup copied it
    secrets/secret_key         only with --with-secrets: the secret key file
    secrets/c2pa/<file>        only with --with-secrets: the local signing root, chain and keys
    manifest.json              what the archive holds: each member's size and SHA-256, …
    manifest.json.sha256       the manifest's own SHA-256

The manifest comes last, so an archive cut short has none and is refused whole. Reading
checks every member against it (and it against its sum) before anything is written, and
refuses anything else in the file: another member, a link, a name that climbs out of its
folder. The tar's padding carries no content; every byte of content is under a sum.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from backups.progress import NoProgress, Progress
from pixme.errors import ApplicationError

FORMAT = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.json.sha256"
DATABASE = "database/pixme.sqlite3"
MEDIA = "media/"
SECRET_KEY = "secrets/secret_key"
C2PA = "secrets/c2pa/"
CHUNK = 1024 * 1024
MANIFEST_MAX_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    size: int
    sha256: str


class ArchiveDamaged(ApplicationError):
    def __init__(self, path: Path, why: str):
        super().__init__(
            f"{path} is not a complete Pix Me! backup: {why}. Nothing was restored.",
            code="damaged",
        )


class _Hashing:
    """A file object that hashes (and reports) what is read through it."""

    def __init__(self, source: IO[bytes], progress: Progress):
        self.source = source
        self.progress = progress
        self.hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.source.read(n)
        self.hash.update(data)
        self.size += len(data)
        self.progress.update(len(data))
        return data


class ArchiveWriter:
    """Adds members to an open tar, keeping each one's size and SHA-256 for the manifest."""

    def __init__(self, tar: tarfile.TarFile, progress: Progress):
        self.tar = tar
        self.progress = progress
        self.entries: dict[str, Entry] = {}

    def add_file(self, arcname: str, path: Path, *, private: bool = False) -> bool:
        """Copy the file at ``path``; False when it is gone (deleted since it was listed)."""
        try:
            source = path.open("rb")
        except FileNotFoundError:
            return False
        with source:
            stat = path.stat()
            self._add(arcname, source, stat.st_size, int(stat.st_mtime), private)
        return True

    def add_bytes(self, arcname: str, data: bytes, *, mtime: int, private: bool = False) -> None:
        import io

        self._add(arcname, io.BytesIO(data), len(data), mtime, private)

    def _add(self, arcname: str, source: IO[bytes], size: int, mtime: int, private: bool):
        info = tarfile.TarInfo(arcname)
        info.size, info.mtime, info.mode = size, mtime, 0o600 if private else 0o644
        reader = _Hashing(source, self.progress)
        self.tar.addfile(info, reader)
        self.entries[arcname] = Entry(reader.size, reader.hash.hexdigest())

    def finish(self, manifest: dict, *, mtime: int) -> None:
        """Write the manifest (``manifest`` plus every member's sum), then its own sum."""
        files = {name: {"size": e.size, "sha256": e.sha256} for name, e in self.entries.items()}
        data = json.dumps({**manifest, "format": FORMAT, "files": files}, indent=1).encode()
        self.add_bytes(MANIFEST, data, mtime=mtime)
        digest = hashlib.sha256(data).hexdigest()
        self.add_bytes(MANIFEST_SUM, f"{digest}  {MANIFEST}\n".encode(), mtime=mtime)


@dataclass(frozen=True)
class VerifiedArchive:
    manifest: dict
    entries: dict[str, Entry]  # every member but the manifest and its sum


def _member_name(path: Path, member: tarfile.TarInfo) -> str:
    name = member.name
    if not member.isfile():
        raise ArchiveDamaged(path, f"it holds {name!r}, which is not a plain file")
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        raise ArchiveDamaged(path, f"it holds a file with an unsafe name, {name!r}")
    return name


def _members(path: Path):
    """The archive's files, opened for reading one after another; damage in words."""
    try:
        with tarfile.open(path, "r:") as tar:
            for member in tar:
                yield _member_name(path, member), member.size, tar.extractfile(member)
    except FileNotFoundError:
        raise ApplicationError(f"No such file: {path}", code="not_found") from None
    except IsADirectoryError:
        raise ApplicationError(f"{path} is a folder, not a backup file", code="invalid") from None
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArchiveDamaged(path, f"it can't be read to the end ({exc})") from None


def _read(path: Path, name: str, source: IO[bytes], progress: Progress, keep: bool):
    digest, size, kept = hashlib.sha256(), 0, bytearray()
    try:
        while block := source.read(CHUNK):
            digest.update(block)
            size += len(block)
            progress.update(len(block))
            if keep:
                if size > MANIFEST_MAX_BYTES:
                    raise ArchiveDamaged(path, f"its {name} is far too big")
                kept += block
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArchiveDamaged(path, f"{name} is cut short ({exc})") from None
    return Entry(size, digest.hexdigest()), bytes(kept)


def archive_verify(*, path: Path, progress: Progress | None = None) -> VerifiedArchive:
    """Read the whole archive and check every member against the manifest, and the manifest
    against its sum; raise ArchiveDamaged naming the first thing wrong. Writes nothing."""
    progress = progress or NoProgress()
    progress.set_description("checking")
    progress.reset(total=path.stat().st_size if path.is_file() else None)
    found: dict[str, Entry] = {}
    manifest_data = manifest_sum = b""
    for name, _size, source in _members(path):
        if name in found:
            raise ArchiveDamaged(path, f"it holds {name} twice")
        keep = name in (MANIFEST, MANIFEST_SUM)
        found[name], data = _read(path, name, source, progress, keep)
        if name == MANIFEST:
            manifest_data = data
        elif name == MANIFEST_SUM:
            manifest_sum = data
    if MANIFEST not in found or MANIFEST_SUM not in found:
        raise ArchiveDamaged(path, "its manifest is missing (a backup cut short?)")
    if manifest_sum.split(b" ", 1)[0].decode(errors="replace") != found[MANIFEST].sha256:
        raise ArchiveDamaged(path, "its manifest doesn't match its SHA-256")
    try:
        manifest = json.loads(manifest_data)
        listed = {
            name: Entry(int(entry["size"]), str(entry["sha256"]))
            for name, entry in manifest["files"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ArchiveDamaged(path, "its manifest can't be read") from None
    if manifest.get("format") != FORMAT:
        raise ArchiveDamaged(path, f"it is in format {manifest.get('format')!r}, not {FORMAT}")
    del found[MANIFEST], found[MANIFEST_SUM]
    for name, entry in listed.items():
        if name not in found:
            raise ArchiveDamaged(path, f"{name} is missing from it")
        if found[name] != entry:
            raise ArchiveDamaged(path, f"{name} doesn't match its SHA-256 (it was altered)")
    extra = sorted(set(found) - set(listed))
    if extra:
        raise ArchiveDamaged(path, f"it holds {extra[0]}, which its manifest doesn't list")
    if DATABASE not in listed:
        raise ArchiveDamaged(path, "it holds no database")
    return VerifiedArchive(manifest=manifest, entries=listed)


def archive_extract(
    *,
    path: Path,
    verified: VerifiedArchive,
    destination: Callable[[str], Path],
    progress: Progress | None = None,
) -> None:
    """Write each member to ``destination(name)``, checking its sum again as it is written
    (the file could have changed since it was verified)."""
    progress = progress or NoProgress()
    progress.set_description("restoring")
    progress.reset(total=sum(entry.size for entry in verified.entries.values()))
    written: set[str] = set()
    for name, _size, source in _members(path):
        if name in (MANIFEST, MANIFEST_SUM):
            continue
        target = destination(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        reader = _Hashing(source, progress)
        with target.open("xb") as out:
            try:
                while block := reader.read(CHUNK):
                    out.write(block)
            except (tarfile.TarError, EOFError) as exc:
                raise ArchiveDamaged(path, f"{name} is cut short ({exc})") from None
        if Entry(reader.size, reader.hash.hexdigest()) != verified.entries.get(name):
            raise ArchiveDamaged(path, f"{name} changed while it was being restored")
        written.add(name)
    if written != set(verified.entries):
        raise ArchiveDamaged(path, "it changed while it was being restored")
