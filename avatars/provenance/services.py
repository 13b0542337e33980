"""Content Credentials on every version: a signed C2PA manifest.

A version's manifest says it was made by Pix Me! (claim generator and its version), how —
``c2pa.created`` by a trained model for a first version; ``c2pa.opened`` + ``c2pa.edited`` with
the parent version as a ``parentOf`` ingredient for an edit, so a file carries its whole edit
history as a chain — with which engine, model and style, and that no byte changed since. It
never names the user, their e-mail or their instruction.

The manifest must be added last, after every re-encode: Pillow drops it. Signing takes a few
milliseconds per image with the embedded thumbnail off (the SDK's default would add 40-85 ms
and up to a megabyte). Keys: :mod:`avatars.provenance.keys`; checking a file:
:mod:`avatars.provenance.verify`.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import c2pa

from avatars.ai_marks import DIGITAL_SOURCE_TYPE
from avatars.provenance.keys import (
    GENERATOR,
    RENDER_LABEL,
    SigningFailed,
    _context,
    _lock,
    _signer,
    generator_version,
)

logger = logging.getLogger(__name__)

# IPTC's term for a picture combining a capture (the selfie) with pictures a trained model made
# (a reel: the selfie turning into the avatar).
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"


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
    source_type: str = DIGITAL_SOURCE_TYPE,
) -> bytes:
    """``data`` with a signed manifest added. Raises SigningFailed (with the SDK's words).

    ``source_type`` is IPTC's digital source type of what was made: by a trained model (a
    version, a cut-out of one), or a composite of such pictures with a photo (a reel).
    ``component`` is a file the picture was made from that carries its own manifest — a
    model's output signed by its provider — kept as a ``componentOf`` ingredient, so its
    credentials stay readable inside ours; the edit history follows ``parentOf`` only."""
    if parent is None:
        actions = [{"action": "c2pa.created", "digitalSourceType": source_type}]
    else:
        actions = [
            {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}},
            {"action": "c2pa.edited", "digitalSourceType": source_type},
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


def turn_parent(turn) -> Parent:
    """A finished version's stored (signed) PNG as the parent of a file made from it."""
    with turn.image.open("rb") as fh:
        return Parent(fh.read(), "image/png", turn_title(turn))


def derived_credentials_add(
    turn,
    data: bytes,
    *,
    mime: str,
    title: str,
    parent: Parent | None = None,
    source_type: str = DIGITAL_SOURCE_TYPE,
) -> bytes:
    """``data`` — a file made from a finished version: a cut-out, a sticker, a reel — with a
    signed manifest naming that version as its ``parentOf`` ingredient (``c2pa.opened`` +
    ``c2pa.edited``), so it carries the version's whole history. ``parent``: the version's
    file, read already (a pack signs many files from one version). Raises SigningFailed."""
    render = {
        "engine": turn.engine,
        "model": turn.model or turn.engine,
        "style": turn.avatar.style.slug,
    }
    return sign(
        data,
        mime=mime,
        title=title,
        render=render,
        parent=parent or turn_parent(turn),
        source_type=source_type,
    )


def derived_credentials_try(turn, data: bytes, **kwargs) -> tuple[bytes, bool]:
    """:func:`derived_credentials_add`, or ``data`` as it was when signing fails (logged): a
    download is never refused for its credentials."""
    try:
        return derived_credentials_add(turn, data, **kwargs), True
    except SigningFailed as exc:
        logger.error(
            "turn %s: could not add Content Credentials to %s: %s", turn.pk, kwargs["title"], exc
        )
        return data, False
