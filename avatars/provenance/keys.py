"""Content Credentials keys and the C2PA SDK's settings: the signing chain an operator sets
(``PIXME_C2PA_CHAIN`` and ``PIXME_C2PA_KEY``: PEM text, or a path to a PEM file), or a local
root CA and signing certificate generated once under ``var/c2pa/`` (like the secret key) —
files signed that way verify here as *trusted*, and elsewhere as "signed, by an untrusted
local issuer": nobody else knows that root. The SDK never reaches the network
(:data:`NO_NETWORK`).
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

logger = logging.getLogger(__name__)

GENERATOR = "Pix Me!"
RENDER_LABEL = "org.pixme.render"  # our assertion: engine, model, style
LOCAL_ISSUER = "Pix Me! local root"
MIME_TYPES = {"PNG": "image/png", "WEBP": "image/webp", "JPEG": "image/jpeg"}


class SigningFailed(Exception):
    """The manifest could not be added; the caller keeps the unsigned file."""


# -- keys -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningMaterial:
    chain: bytes  # PEM: the signing certificate first, then its issuers
    key: bytes  # PEM, PKCS#8
    anchors: bytes  # PEM: the roots a file must chain to for us to call it trusted
    local: bool  # generated here (nobody else trusts it)


def _pem(value: str) -> bytes:
    """A PEM setting: the text itself, or the path of a file holding it."""
    value = value.strip()
    if value.startswith("-----BEGIN"):
        return value.encode() + b"\n"
    return Path(value).expanduser().read_bytes()


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, GENERATOR),
        ]
    )


def _key_usage(*, sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not sign,
        crl_sign=not sign,
        encipher_only=False,
        decipher_only=False,
    )


def local_material_create(directory: Path) -> None:
    """Generate a root CA and a signing certificate it issues, with what the C2PA SDK asks of
    a signer: digitalSignature, emailProtection, an Authority Key Identifier, not a CA, and
    the key in PKCS#8. Written to a fresh directory, then renamed into place, so two
    processes starting at once end up sharing one set."""
    now = datetime.datetime.now(datetime.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (
        x509.CertificateBuilder()
        .subject_name(_name(LOCAL_ISSUER))
        .issuer_name(_name(LOCAL_ISSUER))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Pix Me! content signer"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    pkcs8 = serialization.PrivateFormat.PKCS8
    none = serialization.NoEncryption()
    pem = serialization.Encoding.PEM
    staging = directory.with_name(f"{directory.name}.{os.getpid()}.{secrets.token_hex(4)}")
    staging.mkdir(parents=True, mode=0o700)
    (staging / "root.pem").write_bytes(root.public_bytes(pem))
    (staging / "root.key").write_bytes(root_key.private_bytes(pem, pkcs8, none))
    (staging / "chain.pem").write_bytes(cert.public_bytes(pem) + root.public_bytes(pem))
    (staging / "signer.key").write_bytes(key.private_bytes(pem, pkcs8, none))
    for path in staging.iterdir():
        path.chmod(0o600)
    try:
        staging.rename(directory)
    except OSError:  # another process got there first: use theirs
        for path in staging.iterdir():
            path.unlink()
        staging.rmdir()


def _last_certificate(chain: bytes) -> bytes:
    certificates = x509.load_pem_x509_certificates(chain)
    return certificates[-1].public_bytes(serialization.Encoding.PEM)


@cache
def signing_material() -> SigningMaterial:
    extra = _pem(settings.PIXME_C2PA_TRUST_ANCHORS) if settings.PIXME_C2PA_TRUST_ANCHORS else b""
    if settings.PIXME_C2PA_CHAIN or settings.PIXME_C2PA_KEY:
        if not (settings.PIXME_C2PA_CHAIN and settings.PIXME_C2PA_KEY):
            raise SigningFailed("Set both PIXME_C2PA_CHAIN and PIXME_C2PA_KEY, or neither.")
        chain = _pem(settings.PIXME_C2PA_CHAIN)
        # The chain's last certificate is our anchor when it is a root; a chain that stops
        # below its root needs that root in PIXME_C2PA_TRUST_ANCHORS.
        return SigningMaterial(
            chain, _pem(settings.PIXME_C2PA_KEY), extra + _last_certificate(chain), False
        )
    directory = Path(settings.PIXME_C2PA_DIR)
    if not (directory / "chain.pem").exists():
        local_material_create(directory)
        logger.warning(
            "Content Credentials: generated a local signing certificate in %s. Files signed "
            "with it verify here as trusted, and elsewhere as signed by an untrusted local "
            "issuer. Set PIXME_C2PA_CHAIN and PIXME_C2PA_KEY to sign as your organisation.",
            directory,
        )
    return SigningMaterial(
        (directory / "chain.pem").read_bytes(),
        (directory / "signer.key").read_bytes(),
        extra + (directory / "root.pem").read_bytes(),
        True,
    )


@cache
def _signer() -> c2pa.Signer:
    material = signing_material()
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, material.chain, material.key, None)
    return c2pa.Signer.from_info(info)


# The SDK never reaches the network, for signing or for reading anyone's file: by default c2pa
# fetches the manifest a file's XMP names (dcterms:provenance) from any address, loopback
# included. Two switches, each enough alone — no remote manifests; no host the SDK may contact —
# and tests/avatars/provenance/test_verify_offline.py proves each with c2pa itself (it ignores a
# key it doesn't know, so a renamed one would fail there, not silently). No OCSP look-ups
# either, and CAWG identity assertions, whose did:web look-ups ignore the host list, aren't
# decoded: we show none.
NO_NETWORK = {
    "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
    "core": {"allowed_network_hosts": [], "decode_identity_assertions": False},
}


@cache
def _sdk_settings() -> str:
    """The SDK's settings (JSON) for signing and reading: no embedded thumbnail (a preview, not
    worth 40-85 ms and up to a megabyte per file), our roots as trust anchors, and no network."""
    return json.dumps(
        {
            "builder": {"thumbnail": {"enabled": False}},
            "trust": {"trust_anchors": signing_material().anchors.decode()},
            **NO_NETWORK,
        }
    )


@cache
def _context() -> c2pa.Context:
    return c2pa.Context.from_json(_sdk_settings())


def caches_clear() -> None:
    """Forget the keys and SDK objects (after the settings that name them change)."""
    for cached in (signing_material, _signer, _sdk_settings, _context):
        cached.cache_clear()


# One Signer per process, and the SDK's objects are not shared lightly. Checking a file reads
# it in a reader process, with no lock of ours.
_lock = threading.Lock()


def generator_version() -> str:
    return settings.PIXME_VERSION
