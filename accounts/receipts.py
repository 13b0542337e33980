"""Deletion receipts: what the site deleted of a person's, when and why, signed by the site.

A receipt is one JSON file: ``{"receipt": {…}, "signature": {…}}``. The receipt names its kind
(photo, avatar, account), the reason (the user, their retention choice, a moderator) in a
word and in words, when, whose, what it was about, and each deleted file with its size and
its SHA-256 (lowercase hex) taken just before it went — so whoever kept a copy of a file can
check it is the one deleted. What went with it that is not a file, and what was kept, are said
in words.

The signature is the site's (ES256 with its Content Credentials signing key, its certificate
chain inside: avatars.provenance.receipts, which answers ``receipt_signing``), over
:data:`SIGNING_CONTEXT` followed by the receipt as canonical JSON (keys sorted, no spaces,
UTF-8). A public-key signature rather than an HMAC: anyone with the site's certificate can
check a receipt, and checking gives no one the power to make one. The file is written in one
exact layout (:func:`receipt_text`), and a check refuses any other, so not one byte of a
receipt can change — not even a space — and still pass.

Receipts of photos and avatars are kept for the user (``DeletionReceipt``: listed on the
profile, downloaded, in the export); an account's receipt is handed over once as the account
goes (accounts.leaving), never stored: nothing of the person stays to keep it for.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from accounts.models import DeletionReceipt, User
from accounts.signals import answers, receipt_signing

FORMAT = "pixme-deletion-receipt/1"
# Signed before the receipt's JSON, so a receipt's signature can never pass for anything else
# signed with the same key (a C2PA claim, another format's payload).
SIGNING_CONTEXT = b"Pix Me! deletion receipt v1\n"
HASH_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class DeletedFile:
    """A stored file about to be deleted: what it is, its name in storage, size and SHA-256."""

    what: str  # "photo", "version 2", "version 2 thumbnail", "reel (WebP)"…
    name: str
    bytes: int
    sha256: str  # lowercase hex


def deleted_file(*, field: FieldFile, what: str) -> DeletedFile | None:
    """Read a stored file through the storage API (local disk or a bucket alike) in chunks and
    describe it for a receipt; None when there is no file, or the storage had lost it."""
    if not field:
        return None
    digest, size = hashlib.sha256(), 0
    try:
        with field.storage.open(field.name, "rb") as fh:
            while chunk := fh.read(HASH_CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        return None
    return DeletedFile(what=what, name=field.name, bytes=size, sha256=digest.hexdigest())


@dataclass
class Deletion:
    """What a receipt says: filled by whoever deletes, signed by :func:`receipt_sign`."""

    kind: str  # DeletionReceipt.Kind
    reason: str  # DeletionReceipt.Reason
    why: str  # the reason in words
    subject: str  # what it was, in words: "Comics avatar #3"
    about: dict = field(default_factory=dict)  # ids: {"avatar": 12}
    files: list[DeletedFile] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # named, but lost by the storage before
    also_deleted: list[str] = field(default_factory=list)  # what went that is not a file
    kept: list[str] = field(default_factory=list)  # what stays, and why

    def add(self, field_file: FieldFile, what: str) -> None:
        """The file behind ``field_file``, read now, before it goes (once: a file shared by
        two things deleted together, such as a sticker pack, is listed once)."""
        if not field_file or field_file.name in self.missing:
            return
        if any(f.name == field_file.name for f in self.files):
            return
        found = deleted_file(field=field_file, what=what)
        if found is None:
            self.missing.append(field_file.name)
        else:
            self.files.append(found)


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def receipt_signed_bytes(receipt: dict) -> bytes:
    """What the signature covers."""
    return SIGNING_CONTEXT + canonical(receipt)


def receipt_text(document: dict) -> str:
    """The one layout a receipt file has (a check refuses any other)."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def receipt_sign(
    *, user: User, deletion: Deletion, uid: uuid.UUID, when: datetime
) -> tuple[dict, str]:
    """The receipt of ``deletion`` (a dict) and its signed file (the text)."""
    receipt = {
        "format": FORMAT,
        "id": str(uid),
        "site": settings.SITE_URL,
        "kind": deletion.kind,
        "reason": deletion.reason,
        "why": deletion.why,
        "deleted_at": _iso(when),
        "account": {"id": user.pk, "username": user.get_username()},
        "subject": deletion.subject,
        "about": deletion.about,
        "files": [asdict(f) for f in deletion.files],
        "missing": deletion.missing,
        "also_deleted": deletion.also_deleted,
        "kept": deletion.kept,
    }
    signatures = answers(
        receipt_signing, sender=DeletionReceipt, payload=receipt_signed_bytes(receipt)
    )
    if not signatures:
        raise RuntimeError("Nothing signs deletion receipts (accounts.signals.receipt_signing)")
    document = {"receipt": receipt, "signature": signatures[0]}
    return receipt, receipt_text(document)


def receipt_create(*, user: User, deletion: Deletion) -> DeletionReceipt:
    """Sign and keep the receipt of ``deletion`` for ``user``. Call it in the deletion's own
    transaction: the receipt is kept if, and only if, the deletion is."""
    uid, when = uuid.uuid4(), timezone.now()
    _receipt, text = receipt_sign(user=user, deletion=deletion, uid=uid, when=when)
    return DeletionReceipt.objects.create(
        user=user,
        uid=uid,
        kind=deletion.kind,
        reason=deletion.reason,
        subject=deletion.subject[:200],
        created_at=when,
        document=text,
    )


def receipt_handed_over(*, user: User, deletion: Deletion) -> str:
    """The signed receipt of ``deletion``, not kept: an account's, handed over as it goes."""
    _receipt, text = receipt_sign(
        user=user, deletion=deletion, uid=uuid.uuid4(), when=timezone.now()
    )
    return text


def receipt_list_for_user(*, user: User) -> QuerySet[DeletionReceipt]:
    return DeletionReceipt.objects.filter(user=user)


def receipt_for_user(*, user: User, uid) -> DeletionReceipt | None:
    """One of ``user``'s receipts by its id; None for another's too (a 404 either way)."""
    return receipt_list_for_user(user=user).filter(uid=uid).first()


def receipt_filename(receipt: DeletionReceipt) -> str:
    return f"pixme-receipt-{receipt.kind}-{receipt.created_at:%Y-%m-%d}-{str(receipt.uid)[:8]}.json"


class ReceiptUnreadable(Exception):
    """Not a receipt as the site writes them: not JSON, another format, or changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def looks_like_receipt(data: bytes, *, name: str = "") -> bool:
    """Whether a file is meant as a receipt (to check it as one) rather than an image: a
    ``.json`` name, JSON text, or our format's name near its start. Images start with their
    own magic bytes, never ``{``."""
    head = data[:4096]
    return (
        name.lower().endswith(".json")
        or head.lstrip()[:1] == b"{"
        or FORMAT.split("/")[0].encode() in head
    )


def receipt_read(data: bytes) -> tuple[dict, dict]:
    """The receipt and its signature from a receipt file, as written; ReceiptUnreadable when
    it is anything else — including a receipt whose layout changed by a byte."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ReceiptUnreadable(
            "This isn't a readable receipt: it is not the JSON the site wrote (a byte was "
            "changed, or it was cut short)."
        ) from None
    receipt = document.get("receipt") if isinstance(document, dict) else None
    signature = document.get("signature") if isinstance(document, dict) else None
    if not isinstance(receipt, dict) or not isinstance(signature, dict):
        raise ReceiptUnreadable("This JSON is not a Pix Me! deletion receipt.")
    if receipt.get("format") != FORMAT:
        raise ReceiptUnreadable(
            f"This is not a Pix Me! deletion receipt of a format we know ({FORMAT})."
        )
    if receipt_text(document).encode() != data:
        raise ReceiptUnreadable(
            "This receipt was changed after the site wrote it: it is not laid out byte for "
            "byte as the site writes receipts."
        )
    return receipt, signature
