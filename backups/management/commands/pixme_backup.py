"""Back up the embedded default while it runs:

    python manage.py pixme_backup OUT [--with-secrets]

Writes one archive (a tar) at exactly the path OUT — built under a temporary name beside it,
then renamed, so OUT is either the old file or the whole new one: the database through
SQLite's online backup, every stored file, a manifest of SHA-256 sums, and with
``--with-secrets`` the secret key file and the local signing keys. Exits 0 only when the
archive is written; 1 with the reason otherwise (on PostgreSQL or S3 it says what to use
instead). See backups.backup for how it stays consistent with a site writing meanwhile.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from backups.backup import backup_create
from pixme.errors import ApplicationError


class Command(BaseCommand):
    help = "Back up the site (database, media, optionally secrets) into one archive file."

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path, help="the archive file to write")
        parser.add_argument(
            "--with-secrets",
            action="store_true",
            help="also the secret key file and the Content Credentials signing keys",
        )

    def handle(self, *args, out: Path, with_secrets: bool, **options):
        bar = tqdm(total=0, unit="B", unit_scale=True, file=sys.stderr, disable=None)
        with bar:
            try:
                report = backup_create(out=out, with_secrets=with_secrets, progress=bar)
            except ApplicationError as exc:
                raise CommandError(exc.message) from None
        self.stdout.write(
            f"Backed up the database and {report.files} stored files to {report.path} "
            f"({report.size / 1e6:.1f} MB) in {report.seconds:.2f} s."
        )
        if report.secrets:
            self.stdout.write(f"Secrets in it: {', '.join(report.secrets)}. Keep it private.")
        if report.orphans:
            self.stdout.write(
                f"{report.orphans} of those files no row names (written after the database "
                "was copied, or orphans already): `pixme_check_storage --fix` after a restore "
                "removes them."
            )
        if report.missing:
            self.stderr.write(
                f"{len(report.missing)} file(s) its database names were missing from storage "
                "(`pixme_check_storage` lists them): " + ", ".join(report.missing[:10])
            )
        for note in report.notes:
            self.stdout.write(note)
