"""Checking a file's Content Credentials: what the manifest says, whether we trust who signed
it, and whether a byte changed since. Checking never touches the network (a file that only
points to its manifest elsewhere is told so, not fetched) and runs in a reader process within
a time bound (:mod:`avatars.provenance.reader`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings

from avatars.provenance import reader as provenance_reader
from avatars.provenance.keys import RENDER_LABEL, SigningFailed, _sdk_settings
from pixme.errors import ApplicationError
from pixme.uploads import too_large_message

logger = logging.getLogger(__name__)


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
