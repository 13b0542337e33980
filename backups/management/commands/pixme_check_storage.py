"""Check that storage holds exactly the files the database names:

    python manage.py pixme_check_storage [--fix] [--yes]

Lists each file a row names that is missing or doesn't decode, and each file in storage no
row names (an orphan). Exits 0 on a clean store, 1 when it finds a problem (even one it then
fixed: something made it). ``--fix`` deletes the orphans — never a missing or broken file's
row — once someone at the terminal confirms, or at once with ``--yes``; without ``--yes`` and
with no terminal to ask (a pipe, cron) it deletes nothing. Orphans younger than
``PIXME_ORPHAN_MIN_AGE_MINUTES`` are listed but never deleted. Local media and S3 alike.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from backups.storage_check import StorageReport, orphans_delete, storage_check
from pixme.commands import MigratedDatabaseRequired


class Command(MigratedDatabaseRequired, BaseCommand):
    help = "Check that every file a row names is stored and decodes, and no file is orphaned."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="delete the orphans found")
        parser.add_argument("--yes", action="store_true", help="with --fix: don't ask first")

    def handle(self, *args, fix: bool, yes: bool, **options):
        started = time.monotonic()
        bar = tqdm(total=0, unit="file", file=sys.stderr, disable=None)
        with bar:
            report = storage_check(progress=bar)
        self._show(report, seconds=time.monotonic() - started)
        if report.clean:
            return
        if fix and report.orphans and self._confirmed(len(report.orphans), yes=yes):
            deletion = orphans_delete(orphans=report.orphans)
            for name in deletion.deleted:
                self.stdout.write(f"deleted    {name}")
            for name, why in deletion.kept:
                self.stdout.write(f"kept       {name} ({why})")
            self.stdout.write(f"Deleted {len(deletion.deleted)} orphan file(s).")
        raise SystemExit(1)

    def _show(self, report: StorageReport, *, seconds: float) -> None:
        for missing in report.missing:
            self.stdout.write(f"MISSING    {missing.name}  (named by {', '.join(missing.rows)})")
        for broken in report.unreadable:
            self.stdout.write(f"UNREADABLE {broken.name}  ({broken.reason})")
        now = timezone.now()
        for orphan in report.orphans:
            age = f", {_age(now - orphan.modified)} old" if orphan.modified else ""
            size = f"{orphan.size:,} bytes" if orphan.size is not None else "size unknown"
            self.stdout.write(f"ORPHAN     {orphan.name}  ({size}{age})")
        problems = len(report.missing) + len(report.unreadable) + len(report.orphans)
        self.stdout.write(
            f"Checked {report.named} files named by the database and {report.stored} in "
            + (
                "storage: all there, all decode, none orphaned."
                if report.clean
                else f"storage: {problems} problem(s) — {len(report.missing)} missing, "
                f"{len(report.unreadable)} unreadable, {len(report.orphans)} orphaned."
            )
            + f" ({seconds:.2f} s)"
        )

    def _confirmed(self, count: int, *, yes: bool) -> bool:
        if yes:
            return True
        if not sys.stdin.isatty():
            self.stdout.write(
                "Nothing deleted: there is no one at a terminal to confirm. Run with --fix "
                "--yes to delete the orphans."
            )
            return False
        try:
            answer = input(f"Delete these {count} orphan file(s)? No row names them. [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() in ("y", "yes"):
            return True
        self.stdout.write("Nothing deleted.")
        return False


def _age(delta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
