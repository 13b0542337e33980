"""Deletion receipts signed by the site, and checked: the receipts' format is accounts'
(accounts.receipts); the key is the site's Content Credentials signing key, so a receipt is
signed by the same certificate as the site's pictures and trusted by the same roots.

The signature is ECDSA P-256 with SHA-256 (ES256), DER-encoded in base64, over
``accounts.receipts.SIGNING_CONTEXT`` followed by the receipt's canonical JSON; the signing
certificate and its issuers travel inside the receipt, so anyone holding the site's root can
check one without asking the site.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from accounts.receipts import ReceiptUnreadable, receipt_read, receipt_signed_bytes
from avatars.provenance.keys import signing_material

ALGORITHM = "ES256"


def receipt_signature(*, payload: bytes, **kwargs) -> dict:
    """Sign ``payload`` as the site (the answer to accounts.signals.receipt_signing)."""
    material = signing_material()
    key = serialization.load_pem_private_key(material.key, password=None)
    chain = x509.load_pem_x509_certificates(material.chain)
    return {
        "algorithm": ALGORITHM,
        "value": base64.b64encode(key.sign(payload, ec.ECDSA(hashes.SHA256()))).decode(),
        "certificates": [c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in chain],
    }


@dataclass
class ReceiptCheck:
    """What checking a receipt found, in a reader's words."""

    verdict: str  # "valid" | "altered" | "untrusted"
    words: str
    receipt: dict = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.verdict == "valid"


WORDS = {
    "valid": "Signed by this site, and not one byte has changed since.",
    "altered": "This receipt was changed after the site signed it: the signature doesn't match.",
}


def _untrusted(receipt: dict, why: str) -> ReceiptCheck:
    return ReceiptCheck("untrusted", f"The signature is not this site's: {why}", receipt)


def receipt_verify(data: bytes) -> ReceiptCheck:
    """Check a receipt file: written as the site writes them, its signature right, and its
    certificate chain leading to a root this site trusts (its own, and any the operator
    added), valid when the receipt says it was made."""
    try:
        receipt, signature = receipt_read(data)
    except ReceiptUnreadable as exc:
        return ReceiptCheck("altered", exc.message)
    try:
        if signature.get("algorithm") != ALGORITHM:
            return _untrusted(receipt, f"it is made with {signature.get('algorithm')!r}.")
        chain = [x509.load_pem_x509_certificate(pem.encode()) for pem in signature["certificates"]]
        value = base64.b64decode(signature["value"], validate=True)
        signed_at = datetime.fromisoformat(receipt["deleted_at"])
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error):
        return ReceiptCheck("altered", "This receipt's signature is unreadable.", receipt)
    if not chain:
        return ReceiptCheck("altered", "This receipt carries no certificate.", receipt)
    leaf = chain[0]
    public_key = leaf.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return _untrusted(receipt, "its certificate has no ES256 key.")
    try:
        public_key.verify(value, receipt_signed_bytes(receipt), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return ReceiptCheck("altered", WORDS["altered"], receipt)
    problem = _chain_problem(chain, signed_at)
    if problem:
        return _untrusted(receipt, problem)
    return ReceiptCheck("valid", WORDS["valid"], receipt)


def _chain_problem(chain: list[x509.Certificate], signed_at: datetime) -> str:
    """Why the chain doesn't show the site signed it ('' when it does)."""
    leaf = chain[0]
    if not leaf.not_valid_before_utc <= signed_at <= leaf.not_valid_after_utc:
        return "its certificate was not valid when the receipt says it was made."
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not usage.digital_signature:
        return "its certificate is not for signing."
    try:
        for child, issuer in zip(chain, chain[1:], strict=False):
            child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return "its certificates don't form a chain."
    anchors = x509.load_pem_x509_certificates(signing_material().anchors)
    top = chain[-1]
    for anchor in anchors:
        if top == anchor:
            return ""
        try:
            top.verify_directly_issued_by(anchor)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return ""
    return "its certificate was issued by someone this site doesn't trust."
