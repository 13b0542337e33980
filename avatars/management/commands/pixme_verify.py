"""Check a file's Content Credentials, as the /verify/ page does:

    python manage.py pixme_verify FILE [--json]

Exits 0 only when the file carries a valid manifest signed by a trusted issuer (ours); 1 when
it has none, was altered, was signed by someone we don't trust, only points to a manifest
stored elsewhere (never fetched), or couldn't be checked in time; 2 when the file is refused
like an upload (too big, not an image). Nothing is stored, and nothing is fetched.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from avatars.provenance.verify import upload_verify
from pixme.errors import ApplicationError


class Command(BaseCommand):
    help = "Check the Content Credentials (C2PA manifest) of an image file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, file: Path, json: bool = False, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}", returncode=2)
        with file.open("rb") as fp:
            try:
                result = upload_verify(upload=fp, size=file.stat().st_size)
            except ApplicationError as exc:
                raise CommandError(exc.message, returncode=2) from None
        if json:
            self.stdout.write(_json_dumps(result.to_dict()))
        else:
            self.stdout.write(f"{result.verdict.upper()}: {result.words}")
            for depth, link in enumerate(result.chain):
                made = ", ".join(link.actions) or "no actions"
                how = " · ".join(f"{k} {v}" for k, v in link.render.items())
                who = f"signed by {link.signer or 'unknown'} ({link.issuer or 'no issuer'})"
                self.stdout.write(f"{'  ' * depth}└ {link.title or 'untitled'}: {made}; {who}")
                if how:
                    self.stdout.write(f"{'  ' * depth}  {how}")
            for problem in result.problems:
                self.stdout.write(f"  ! {problem}")
        if not result.valid:
            raise SystemExit(1)


def _json_dumps(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
