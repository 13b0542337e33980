"""Which stored files the database names: every ``FileField`` (``ImageField`` included) of
every installed model, found through Django's app registry. No app is imported by name, so a
model added later is covered without a change here.

How the list was made complete: every file the site writes to media goes through a file
field's ``save()`` (a search for ``storage.save`` and ``.save(`` in the apps finds only
``Avatar.source``, ``Turn.image``/``thumbnail``/``webp`` and ``Reel.webp``/``gif``), and no
JSON or text field names a stored file: ``Turn.model_content`` has the image bytes taken out,
``Reel.key`` is a hash of names, the idempotency answers hold API addresses. Every field uses
the default storage. Outside media the data directory holds the database, the secret key file
and the local Content Credentials keys (``PIXME_C2PA_DIR``): see backups.embedded.
"""

from __future__ import annotations

import mimetypes
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import models


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Each concrete model's own file fields (a proxy or a child table adds none)."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.local_concrete_fields:
            if isinstance(field, models.FileField):
                found.append((model, field))
    return found


def is_image(name: str, field: models.FileField | None = None) -> bool:
    """Whether the stored file should decode as a picture: an ``ImageField``'s always, a
    ``FileField``'s when its name says so."""
    if isinstance(field, models.ImageField):
        return True
    kind, _encoding = mimetypes.guess_type(name)
    return bool(kind and kind.startswith("image/"))


def _reference(model: type[models.Model], pk, field: models.FileField) -> str:
    return f"{model._meta.label} #{pk} {field.name}"


@dataclass
class NamedFile:
    rows: list[str]  # the rows naming it, e.g. "avatars.Turn #4 image"
    image: bool  # it should decode as a picture


def named_files() -> dict[str, NamedFile]:
    """Every stored file a row names, with the rows naming it."""
    named: dict[str, NamedFile] = {}
    for model, field in file_fields():
        rows = (
            model._base_manager.exclude(**{f"{field.attname}__isnull": True})
            .exclude(**{field.attname: ""})
            .values_list("pk", field.attname)
            .iterator()
        )
        for pk, name in rows:
            entry = named.setdefault(name, NamedFile([], is_image(name, field)))
            entry.rows.append(_reference(model, pk, field))
    return named


def names_still_named(names: Iterable[str]) -> set[str]:
    """Those of ``names`` that a row names now (a second look, after storage was listed)."""
    wanted = sorted(set(names))
    found: set[str] = set()
    for model, field in file_fields():
        for start in range(0, len(wanted), 500):  # within SQLite's limit on query parameters
            chunk = wanted[start : start + 500]
            rows = model._base_manager.filter(**{f"{field.attname}__in": chunk})
            found.update(rows.values_list(field.attname, flat=True))
    return found


def named_files_in_sqlite(db: sqlite3.Connection) -> dict[str, list[str]]:
    """``named_files`` read from a copy of the SQLite database (a backup's snapshot) rather
    than through the ORM: what *that* copy names. A table or column the copy doesn't have
    yet (a database behind this code's migrations) names nothing."""
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    named: dict[str, list[str]] = defaultdict(list)
    for model, field in file_fields():
        table = model._meta.db_table
        if table not in tables:
            continue
        columns = {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
        pk = model._meta.pk.column
        if field.column not in columns or pk not in columns:
            continue
        rows = db.execute(
            f'SELECT "{pk}", "{field.column}" FROM "{table}" '
            f'WHERE "{field.column}" IS NOT NULL AND "{field.column}" != \'\''
        )
        for row_pk, name in rows:
            named[name].append(_reference(model, row_pk, field))
    return dict(named)
