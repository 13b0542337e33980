"""Check a file's Content Credentials, as the /verify/ page does — or a deletion receipt:

    python manage.py pixme_verify FILE [--json]

An image: exits 0 only when the file carries a valid manifest signed by a trusted issuer
(ours); 1 when it has none, was altered, was signed by someone we don't trust, only points to a
manifest stored elsewhere (never fetched), or couldn't be checked in time; 2 when the file is
refused like an upload (too big, not an image). Nothing is stored, and nothing is fetched.

A deletion receipt (a ``.json`` file, or any file that is JSON: images never start with
``{``; see accounts.receipts): exits 0 only when it is byte for byte as the site signed it, by a
certificate this site trusts; 1 otherwise (a byte changed, another signer, not a receipt).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.receipts import looks_like_receipt
from avatars.provenance.receipts import receipt_verify
from avatars.provenance.verify import upload_verify
from pixme.errors import ApplicationError

# A receipt lists every file of an account: far below this. Past it, it is not one of ours.
RECEIPT_MAX_BYTES = 64 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Check the Content Credentials (C2PA manifest) of an image file, or the signature of "
        "a deletion receipt (JSON)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, file: Path, json: bool = False, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}", returncode=2)
        with file.open("rb") as fp:
            head = fp.read(4096)
        if looks_like_receipt(head, name=file.name):
            self._receipt(file, as_json=json)
            return
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

    def _receipt(self, file: Path, *, as_json: bool) -> None:
        if file.stat().st_size > RECEIPT_MAX_BYTES:
            check_verdict, words, receipt = "altered", "This is too big to be a receipt.", {}
        else:
            check = receipt_verify(file.read_bytes())
            check_verdict, words, receipt = check.verdict, check.words, check.receipt
        valid = check_verdict == "valid"
        if as_json:
            body = {"verdict": check_verdict, "valid": valid, "words": words, "receipt": receipt}
            self.stdout.write(_json_dumps(body))
        else:
            self.stdout.write(f"RECEIPT {check_verdict.upper()}: {words}")
            if receipt:
                self.stdout.write(
                    f"  {receipt.get('kind')} deleted {receipt.get('deleted_at')}: "
                    f"{receipt.get('subject')} — {receipt.get('why')}"
                )
                for item in receipt.get("files") or []:
                    if isinstance(item, dict):
                        self.stdout.write(f"  {item.get('sha256')}  {item.get('what')}")
        if not valid:
            raise SystemExit(1)


def _json_dumps(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
