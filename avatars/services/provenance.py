"""Provenance: a signed C2PA manifest (Content Credentials) on every version, and checking one.

A version's manifest says it was made by Pix Me! (claim generator and its version), how —
``c2pa.created`` by a trained model for a first version; ``c2pa.opened`` + ``c2pa.edited`` with
the parent version as a ``parentOf`` ingredient for an edit, so a file carries its whole edit
history as a chain — with which engine, model and style, and that no byte changed since. It
never names the user, their e-mail or their instruction.

Keys: an operator sets ``PIXME_C2PA_CHAIN`` and ``PIXME_C2PA_KEY`` (PEM text, or a path to a
PEM file). With neither, a local root CA and a signing certificate are generated once under
``var/c2pa/`` (like the secret key). Files signed that way verify here as *trusted*, and
elsewhere as "signed, by an untrusted local issuer": nobody else knows that root.

The manifest must be added last, after every re-encode: Pillow drops it. Signing takes a few
milliseconds per image with the embedded thumbnail off (the SDK's default would add 40-85 ms
and up to a megabyte).

Checking a file never touches the network (a file that only points to its manifest elsewhere
is told so, not fetched) and runs in a reader process within a time bound
(:mod:`avatars.services.provenance_reader`).
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import BinaryIO

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

from avatars.images import DIGITAL_SOURCE_TYPE
from avatars.services import provenance_reader
from pixme.errors import ApplicationError
from pixme.uploads import too_large_message

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
# and tests/test_verify_offline.py proves each with c2pa itself (it ignores a key it doesn't
# know, so a renamed one would fail there, not silently). No OCSP look-ups either, and CAWG
# identity assertions, whose did:web look-ups ignore the host list, aren't decoded: we show none.
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


# -- signing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parent:
    """The version an edit starts from: its signed file is the edit's ingredient."""

    data: bytes
    mime: str
    title: str


def sign(
    data: bytes,
    *,
    mime: str,
    title: str,
    render: dict[str, str],
    parent: Parent | None = None,
    component: Parent | None = None,
) -> bytes:
    """``data`` with a signed manifest added. Raises SigningFailed (with the SDK's words).

    ``component`` is a file the picture was made from that carries its own manifest — a
    model's output signed by its provider — kept as a ``componentOf`` ingredient, so its
    credentials stay readable inside ours; the edit history follows ``parentOf`` only."""
    if parent is None:
        actions = [{"action": "c2pa.created", "digitalSourceType": DIGITAL_SOURCE_TYPE}]
    else:
        actions = [
            {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}},
            {"action": "c2pa.edited", "digitalSourceType": DIGITAL_SOURCE_TYPE},
        ]
    manifest = {
        "claim_generator_info": [{"name": GENERATOR, "version": generator_version()}],
        "title": title,
        "format": mime,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": actions}},
            {"label": RENDER_LABEL, "data": render},
        ],
    }
    out = io.BytesIO()
    try:
        with _lock:
            builder = c2pa.Builder(manifest, _context())
            if parent is not None:
                builder.add_ingredient(
                    {
                        "title": parent.title,
                        "relationship": "parentOf",
                        "label": "parent",
                        "instance_id": "parent",
                    },
                    parent.mime,
                    io.BytesIO(parent.data),
                )
            if component is not None:
                builder.add_ingredient(
                    {"title": component.title, "relationship": "componentOf"},
                    component.mime,
                    io.BytesIO(component.data),
                )
            builder.sign(_signer(), mime, io.BytesIO(data), out)
    except (c2pa.C2paError, OSError, ValueError) as exc:
        raise SigningFailed(str(exc) or type(exc).__name__) from exc
    return out.getvalue()


# -- checking ---------------------------------------------------------------------------------


@dataclass
class Link:
    """One manifest in a file's history: this file's own, then its parent's, and so on."""

    title: str
    actions: list[str]
    signer: str
    issuer: str
    generator: str
    render: dict = field(default_factory=dict)
    signed_at: str = ""


@dataclass
class Verification:
    """What a file's Content Credentials say, in a reader's words."""

    verdict: str  # "trusted" | "untrusted" | "altered" | "none" | "remote" | "timeout"
    words: str
    chain: list[Link] = field(default_factory=list)  # [this file, its parent, …]
    problems: list[str] = field(default_factory=list)  # the SDK's failure explanations

    @property
    def valid(self) -> bool:
        return self.verdict == "trusted"

    @property
    def signer(self) -> str:
        return self.chain[0].signer if self.chain else ""

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "valid": self.valid,
            "words": self.words,
            "signer": self.signer,
            "chain": [link.__dict__ for link in self.chain],
            "problems": self.problems,
        }


VERDICT_WORDS = {
    "trusted": "Signed by Pix Me!, and nothing has changed since it was signed.",
    "untrusted": (
        "It carries Content Credentials, but from a signer we don't know or trust: it wasn't "
        "signed by this site."
    ),
    "altered": (
        "It carries Content Credentials, but the file was changed after it was signed: "
        "the signature no longer matches it."
    ),
    "none": (
        "This file carries no Content Credentials. It may never have had them, or a program "
        "that re-saved it removed them."
    ),
    "remote": (
        "Its credentials are stored elsewhere, and we don't fetch them: the file only names an "
        "address where its Content Credentials are kept, so we can't say who made it or "
        "whether it changed."
    ),
    "timeout": (
        "We couldn't check this file in time, so we can't say anything about its Content "
        "Credentials. Please try again later."
    ),
}


def _link(manifest: dict) -> Link:
    actions, render = [], {}
    for assertion in manifest.get("assertions", []):
        label = assertion.get("label", "")
        if label.startswith("c2pa.actions"):
            actions += [a.get("action", "") for a in assertion.get("data", {}).get("actions", [])]
        elif label == RENDER_LABEL:
            render = {k: str(v) for k, v in assertion.get("data", {}).items()}
    info = manifest.get("signature_info") or {}
    generators = manifest.get("claim_generator_info") or [{}]
    generator = " ".join(filter(None, [generators[0].get("name"), generators[0].get("version")]))
    return Link(
        title=manifest.get("title", ""),
        actions=actions,
        signer=info.get("common_name", ""),
        issuer=info.get("issuer", ""),
        generator=generator,
        render=render,
        signed_at=info.get("time", ""),
    )


def _chain(store: dict) -> list[Link]:
    manifests = store.get("manifests", {})
    label, chain, seen = store.get("active_manifest"), [], set()
    while label and label in manifests and label not in seen:
        seen.add(label)
        manifest = manifests[label]
        chain.append(_link(manifest))
        parents = [
            i for i in manifest.get("ingredients", []) if i.get("relationship") == "parentOf"
        ]
        label = parents[0].get("active_manifest") if parents else None
    return chain


def _verification(read: dict) -> Verification:
    """The verdict on what a reader process found (see provenance_reader._check)."""
    if "error" in read:
        text = read["error"]
        if read["remote"]:
            return Verification("remote", VERDICT_WORDS["remote"])
        if "ManifestNotFound" in text or "JumbfNotFound" in text or "no JUMBF" in text:
            return Verification("none", VERDICT_WORDS["none"])
        # A manifest is there but can't be read: as good as tampered with.
        return Verification("altered", VERDICT_WORDS["altered"], problems=[text])
    failures = (read["results"].get("activeManifest") or {}).get("failure", [])
    problems = [f.get("explanation") or f.get("code", "") for f in failures]
    chain = _chain(json.loads(read["store"]))
    if read["state"] == "Trusted":
        verdict = "trusted"
    elif read["state"] == "Valid":  # signed and intact, but not by a root we trust
        verdict = "untrusted"
    else:
        verdict = "altered"
    return Verification(verdict, VERDICT_WORDS[verdict], chain, problems)


def _check(data: bytes, *, mime: str | None) -> Verification:
    """Check ``data`` in a reader process, within PIXME_VERIFY_TIMEOUT_SECONDS; ``mime`` None:
    judged like an upload first."""
    try:
        sdk_settings = _sdk_settings()
    except (SigningFailed, OSError, ValueError) as exc:
        logger.error("Content Credentials: the trust settings can't be read: %s", exc)
        raise ApplicationError(
            "Checking Content Credentials isn't available right now. Please try again later.",
            code="unavailable",
        ) from None
    try:
        read = provenance_reader.read(
            data,
            mime=mime,
            sdk_settings=sdk_settings,
            limits={
                "PIXME_UPLOAD_MAX_BYTES": settings.PIXME_UPLOAD_MAX_BYTES,
                "PIXME_UPLOAD_MAX_PIXELS": settings.PIXME_UPLOAD_MAX_PIXELS,
            },
            workers=settings.PIXME_VERIFY_WORKERS,
            timeout=settings.PIXME_VERIFY_TIMEOUT_SECONDS,
        )
    except provenance_reader.ReaderBusy:
        raise ApplicationError(
            "We're checking many files right now. Please try again in a few seconds.",
            code="busy",
            extra={"retry_after": 5},
        ) from None
    except provenance_reader.ReadTimedOut:
        return Verification("timeout", VERDICT_WORDS["timeout"])
    except provenance_reader.ReaderDied as exc:
        logger.error("Content Credentials: the reader stopped on a file: %s", exc)
        raise ApplicationError(
            "We couldn't read this file's Content Credentials: it stopped our checker.",
            code="bad_image",
        ) from None
    if "rejected" in read:
        raise ApplicationError(read["rejected"], code="bad_image")
    if "unsupported" in read:
        return Verification("none", VERDICT_WORDS["none"])
    return _verification(read)


def verify(data: bytes, *, mime: str) -> Verification:
    """Read and check the manifest of ``data`` against our trust anchors."""
    return _check(data, mime=mime)


def upload_verify(*, upload: BinaryIO, size: int | None = None) -> Verification:
    """Check an uploaded file's Content Credentials. The file is judged like a selfie upload
    first (size, pixels, formats: decoded, not trusted by name), then read as it came;
    nothing is stored."""
    if size is not None and size > settings.PIXME_UPLOAD_MAX_BYTES:
        raise ApplicationError(too_large_message(size), code="bad_image")
    upload.seek(0)
    return _check(upload.read(settings.PIXME_UPLOAD_MAX_BYTES + 1), mime=None)


# -- versions ---------------------------------------------------------------------------------


def turn_title(turn) -> str:
    """A version's title in its manifest: the style and the number, never the user's words."""
    return f"{turn.avatar.style.name} avatar, version {turn.number}"


def turn_credentials_add(turn, data: bytes, *, mime: str, provider_signed: bool = False) -> bytes:
    """``data`` (a version's stored PNG or its WebP) with the version's signed manifest: made
    by a trained model for a first version; for an edit, the parent version's stored file as
    its ingredient, so the file carries its whole edit history. ``provider_signed``: ``data``
    is the model's own signed output, kept inside as a component.

    Raises SigningFailed; the caller keeps the unsigned file (a version is never lost to it).
    """
    parent = None
    if turn.parent_id and turn.parent.image:
        with turn.parent.image.open("rb") as fh:
            parent = Parent(fh.read(), "image/png", turn_title(turn.parent))
    component = None
    if provider_signed:
        component = Parent(data, mime, f"{turn.model or turn.engine} output")
    render = {
        "engine": turn.engine,
        "model": turn.model or turn.engine,
        "style": turn.avatar.style.slug,
    }
    return sign(
        data, mime=mime, title=turn_title(turn), render=render, parent=parent, component=component
    )


def turn_credentials_try(
    turn, data: bytes, *, mime: str, provider_signed: bool = False
) -> tuple[bytes, bool]:
    """:func:`turn_credentials_add`, or ``data`` as it was when signing fails: a version is
    never lost to its credentials. The failure is logged for the operator and the version
    stored unsigned (``Turn.signed`` off, a filter in the admin)."""
    try:
        return turn_credentials_add(turn, data, mime=mime, provider_signed=provider_signed), True
    except SigningFailed as exc:
        logger.error("turn %s: could not add Content Credentials (%s): %s", turn.pk, mime, exc)
        return data, False
