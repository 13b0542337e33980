"""Restore a backup made by ``pixme_backup`` into an empty data directory:

    PIXME_VAR_DIR=/srv/pixme/var python manage.py pixme_restore IN

The directory ``PIXME_VAR_DIR`` names must be empty but for what any manage.py run makes
there (the secret key file, the static files folder). Every SHA-256 in the archive is checked
before anything is written; a damaged, altered or partial archive is refused in words and
nothing is restored. Exits 0 only when the restore is complete, 1 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from backups.restore import backup_restore
from pixme.errors import ApplicationError


class Command(BaseCommand):
    help = "Restore a pixme_backup archive into the empty data directory PIXME_VAR_DIR names."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, metavar="IN", help="the backup file")

    def handle(self, *args, archive: Path, **options):
        bar = tqdm(total=0, unit="B", unit_scale=True, file=sys.stderr, disable=None)
        with bar:
            try:
                report = backup_restore(archive=archive, progress=bar)
            except ApplicationError as exc:
                raise CommandError(exc.message) from None
        self.stdout.write(
            f"Restored the backup of {report.created_at or 'an unknown date'}: the database "
            f"and {report.files} stored files ({report.size / 1e6:.1f} MB) in "
            f"{report.seconds:.2f} s."
        )
        if report.secrets:
            self.stdout.write(f"Secrets restored: {', '.join(report.secrets)}.")
        for note in report.notes:
            self.stdout.write(note)
