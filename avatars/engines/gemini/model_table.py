"""Gemini's image models as data: the current ones, what each accepts, what replaced what.

Checked against Google's model pages and its deprecations page on 2026-11-25 (``CHECKED``).
Google retires image models every few months; when it does, add the old name to ``RETIRED``
with its documented replacement, and the new model to ``MODELS``. Nothing else changes: the
create page, the API, the CLI and ``manage.py pixme_models`` all read these tables.

A name not in ``MODELS`` (a model newer than this table, named in ``GEMINI_MODELS``) still
works, with ``FALLBACK``'s limits: the ones every current model shares.
"""

from __future__ import annotations

import logging
import math
import re
import struct
import threading
from dataclasses import dataclass, replace

from avatars.engines.base import ModelGone

logger = logging.getLogger(__name__)

CHECKED = "2026-11-25"

RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
RATIOS_EXTREME = RATIOS + ("1:4", "4:1", "1:8", "8:1")


@dataclass(frozen=True)
class ModelSpec:
    name: str
    nickname: str
    aspect_ratios: tuple[str, ...]
    image_sizes: tuple[str, ...]  # the ``image_size`` values it accepts
    max_images: int  # input images in one request: selfie, references and history together
    max_people: int  # images of people it keeps consistent; the selfie is one of them
    thinking: str  # in words, for the operator
    signs_output: bool = False  # Google puts a C2PA manifest on its images

    @property
    def max_references(self) -> int:
        """Identity references to send with the selfie."""
        return max(0, self.max_people - 1)


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        # 512 px ("0.5K") is offered too, but an avatar below 1K is not worth drawing.
        ModelSpec(
            "gemini-3.1-flash-image",
            "Nano Banana 2",
            RATIOS_EXTREME,
            ("1K", "2K", "4K"),
            max_images=14,
            max_people=4,
            thinking="minimal or high",
        ),
        ModelSpec(
            "gemini-3-pro-image",
            "Nano Banana Pro",
            RATIOS,
            ("1K", "2K", "4K"),
            max_images=14,
            max_people=5,
            thinking="always on",
        ),
        # Google gives no separate count of people for Lite; Nano Banana 2's is assumed.
        ModelSpec(
            "gemini-3.1-flash-lite-image",
            "Nano Banana 2 Lite",
            RATIOS_EXTREME,
            ("1K",),
            max_images=14,
            max_people=4,
            thinking="minimal or high",
            signs_output=True,
        ),
    )
}

FALLBACK = ModelSpec(
    "", "", RATIOS, ("1K",), max_images=14, max_people=4, thinking="not known to Pix Me!"
)

# Retired name -> its documented replacement (which may itself be retired: followed on).
RETIRED: dict[str, str] = {
    "gemini-2.0-flash-exp": "gemini-2.5-flash-image",
    "gemini-2.0-flash-exp-image-generation": "gemini-2.5-flash-image",
    "gemini-2.0-flash-preview-image-generation": "gemini-2.5-flash-image",  # 2025-10-31
    "gemini-2.5-flash-image-preview": "gemini-2.5-flash-image",  # 2025-10-31
    "gemini-2.5-flash-image": "gemini-3.1-flash-image",  # shut down 2026-10-02
    "gemini-3-pro-image-preview": "gemini-3-pro-image",  # ended 2026-06-25
    "gemini-3.1-flash-image-preview": "gemini-3.1-flash-image",  # ended 2026-06-25
}


def model_spec(name: str) -> ModelSpec:
    """The limits of ``name`` (a current name; see :func:`current_name`)."""
    spec = MODELS.get(name)
    if spec is None:
        _tell_once(
            ("unknown", name),
            "Gemini model %s isn't in Pix Me!'s table; offering what every current model "
            "accepts. Add it to avatars/engines/gemini/model_table.py MODELS.",
            name,
        )
        return replace(FALLBACK, name=name)
    return spec


def replacement(name: str) -> str | None:
    """The current model that replaced the retired ``name``; None if it isn't retired."""
    seen = set()
    while name in RETIRED and name not in seen:
        seen.add(name)
        name = RETIRED[name]
    return name if seen else None


def current_name(name: str) -> str:
    """``name``, or the model that replaced it (logged once per process for the operator)."""
    new = replacement(name)
    if new is None:
        return name
    _tell_once(
        ("alias", name),
        "Gemini model %s is retired; using its replacement %s. Update GEMINI_MODELS or the "
        "client that asked for it.",
        name,
        new,
    )
    return new


def configured_models(names: list[str]) -> list[str]:
    """``GEMINI_MODELS`` with retired names replaced and repeats dropped, order kept."""
    return list(dict.fromkeys(current_name(name) for name in names if name))


GONE_MESSAGE = "The model {model} is no longer available — pick another: {others}."
GONE_ALONE_MESSAGE = "The model {model} is no longer available; an administrator has been told."
# How Google words a withdrawn model when it doesn't simply answer 404 NOT_FOUND.
GONE_WORDS = re.compile(r"is not found for API version|no longer available|has been (retired|shut)")


def model_gone(model: str, offered: list[str], detail: str) -> ModelGone:
    """The error for a model Google no longer has (one a table update hasn't caught up with:
    retired names never reach Google). The user is offered the others; the log line tells the
    operator what to change."""
    others = [m for m in offered if m != model]
    logger.error(
        "Gemini model %s is gone; users are offered %s instead. Take it out of GEMINI_MODELS "
        "and add it to RETIRED in avatars/engines/gemini/model_table.py with its replacement "
        "(manage.py pixme_models lists what this key can use). %s",
        model,
        ", ".join(others) or "nothing",
        detail,
    )
    if not others:
        return ModelGone(GONE_ALONE_MESSAGE.format(model=model), detail=detail)
    return ModelGone(GONE_MESSAGE.format(model=model, others=", ".join(others)), detail=detail)


def makes_images(model) -> bool:
    """Whether a ``google.genai.types.Model`` from ``models.list`` is a Gemini image model."""
    name = (model.name or "").removeprefix("models/")
    actions = model.supported_actions or []
    return "generateContent" in actions and (name in MODELS or "-image" in name)


def nearest_aspect_ratio(width: float, height: float, choices: tuple[str, ...] = RATIOS) -> str:
    """The ratio ("w:h") among ``choices`` closest to ``width``/``height``, in log space."""
    if width <= 0 or height <= 0:
        return choices[0]
    target = math.log(width / height)

    def distance(choice: str) -> float:
        w, h = (float(x) for x in choice.split(":"))
        return abs(math.log(w / h) - target)

    return min(choices, key=distance)


_told: set[tuple[str, str]] = set()
_told_lock = threading.Lock()


def _tell_once(key: tuple[str, str], message: str, *args) -> None:
    with _told_lock:
        if key in _told:
            return
        _told.add(key)
    logger.warning(message, *args)


# --- what Google signs ------------------------------------------------------------------------
# Where a C2PA manifest sits (C2PA 2.1, "Embedding manifests into assets"): a caBX chunk in
# PNG, a C2PA chunk in WebP's RIFF, APP11 segments carrying JUMBF in JPEG. Only finding it
# belongs here; verifying its signature is the provenance work (#15).


def c2pa_type(data: bytes) -> str | None:
    """The MIME type of ``data`` if it carries an embedded C2PA manifest, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png" if _png_has_c2pa(data) else None
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp" if _webp_has_c2pa(data) else None
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg" if _jpeg_has_c2pa(data) else None
    return None


def _png_has_c2pa(data: bytes) -> bool:
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"caBX":
            return True
        if kind == b"IEND":
            return False
        pos += 12 + length
    return False


def _webp_has_c2pa(data: bytes) -> bool:
    pos = 12
    while pos + 8 <= len(data):
        kind, length = struct.unpack("<4sI", data[pos : pos + 8])
        if kind == b"C2PA":
            return True
        pos += 8 + length + (length & 1)
    return False


def _jpeg_has_c2pa(data: bytes) -> bool:
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no more metadata
            return False
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        segment = data[pos + 4 : pos + 2 + length]
        # APP11 with the JPEG XT "JP" common identifier, holding a JUMBF box labelled c2pa.
        if marker == 0xEB and segment[:2] == b"JP" and b"c2pa" in segment:
            return True
        pos += 2 + length
    return False
