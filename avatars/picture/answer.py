"""``GET /avatar/<hash>``: the answer, as Gravatar and Libravatar define the request.

- ``<hash>``: the MD5 or SHA-256 (hex, any case) of the trimmed, lower-cased address,
  optionally followed by an image extension (``.jpg``, ``.png``…), which some sites add and
  which changes nothing.
- ``s``/``size``: 1–2048 px, 80 without it; a bigger number is 2048, anything unreadable 80.
- ``d``/``default``: what a hash showing nothing answers — ``404``; ``mp`` (``mm``) a grey
  silhouette, also the default without ``d``; ``identicon`` a pattern drawn from the hash
  (``retro``, ``monsterid``, ``wavatar``, ``robohash`` and ``pagan`` too: we draw only the
  one kind); ``blank`` transparent; an ``https://`` URL is redirected to (302). Anything
  else, a plain ``http://`` URL included, is the default.
- ``f``/``forcedefault``: ``y`` answers the default whatever the hash shows.
- ``r``/``rating``: accepted, and changes nothing (moderators decide what is shown).

The picture is PNG, or WebP when the request's ``Accept`` names ``image/webp``; every answer
carries an ETag and is public for ``MAX_AGE`` seconds; ``If-None-Match`` gets 304. A hash
that shows nothing, for whatever reason, gets exactly the answer a hash nobody ever used
gets: nothing in it says whether the address belongs to an account. Nothing of the owner's
is in it beyond the picture (no cookie, no name): the file carries the AI-made mark only.

Both ways in call :func:`picture_answer`: the ASGI route in front of Django
(``avatars.picture.asgi``, what uvicorn serves) and the Django view (``views.py``).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from PIL import Image

from avatars.picture import defaults
from avatars.picture.memory import PICTURES
from avatars.picture.services import (
    DEFAULT_SIDE,
    MAX_SIDE,
    MIN_SIDE,
    picture_bytes,
    picture_lookup,
)

logger = logging.getLogger(__name__)

NAME = re.compile(r"^(?P<digest>[0-9a-fA-F]{32}|[0-9a-fA-F]{64})(?:\.(?:jpe?g|png|gif|webp))?$")
MAX_AGE = 300
URL_MAX = 2000
DRAWN = {"mp": "mp", "mm": "mp", "identicon": "identicon", "blank": "blank"}
AS_IDENTICON = {"retro", "monsterid", "wavatar", "robohash", "pagan"}
YES = {"y", "yes", "1", "true"}


@dataclass(frozen=True)
class PictureQuery:
    digest: str | None  # lower-case hex; None for a name that is no hash (shows nothing)
    side: int
    default: str  # "404", "mp", "identicon", "blank", or an https URL
    force_default: bool
    webp: bool
    if_none_match: str = ""


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def picture_query(
    *, name: str, params: Mapping[str, str], accept: str, if_none_match: str
) -> PictureQuery:
    """Read a request (``params``: each query parameter's first value) the lenient way the
    two services do: nothing a client sends is an error."""
    match = NAME.match(name)
    digest = match["digest"].lower() if match else None
    return PictureQuery(
        digest=digest,
        side=_side(params.get("s", params.get("size", ""))),
        default=_default(params.get("d", params.get("default", ""))),
        force_default=params.get("f", params.get("forcedefault", "")).strip().lower() in YES,
        webp="image/webp" in accept.lower(),
        if_none_match=if_none_match,
    )


def _side(raw: str) -> int:
    """As asked, at most 2048; 80 for nothing, 0 or anything but ASCII digits."""
    raw = raw.strip().lstrip("0")
    if not raw.isascii() or not raw.isdigit():
        return DEFAULT_SIDE
    return MAX_SIDE if len(raw) > 4 else max(min(int(raw), MAX_SIDE), MIN_SIDE)


def _default(raw: str) -> str:
    value = raw.strip()
    lowered = value.lower()
    if lowered == "404":
        return "404"
    if lowered in DRAWN:
        return DRAWN[lowered]
    if lowered in AS_IDENTICON:
        return "identicon"
    if lowered.startswith("https://") and len(value) <= URL_MAX and _plain_https(value):
        return value
    return "mp"


def _plain_https(url: str) -> bool:
    """An https URL with a host and no credentials, nothing a browser would read otherwise."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(parts.hostname) and parts.username is None and not re.search(r"[\s<>\"]", url)


def picture_answer(query: PictureQuery) -> Answer:
    fmt = "webp" if query.webp else "png"
    shown = None
    if query.digest is not None and not query.force_default:
        shown = picture_lookup(digest=query.digest)
    if shown is not None:
        etag = f'"{shown.tag}-{query.side}-{fmt}"'
        if _matches(query.if_none_match, etag):
            return _not_modified(etag)
        try:
            body = picture_bytes(shown=shown, side=query.side, fmt=fmt)
        except FileNotFoundError:  # removed from under the cached answer: as if never shown
            logger.info("picture of turn %s is gone from the storage", shown.turn_id)
        else:
            return _image(body, fmt, etag)
    return _default_answer(query, fmt)


def _default_answer(query: PictureQuery, fmt: str) -> Answer:
    if query.default == "404":
        return Answer(404, b"Not found\n", _common({"Content-Type": "text/plain; charset=utf-8"}))
    if query.default.startswith("https://"):
        return Answer(302, b"", _common({"Location": query.default}))
    seed = query.digest or ""
    if query.default == "identicon":
        seed = hashlib.sha256(seed.encode()).hexdigest()[:16]
    kind = f"{query.default}-{seed}" if query.default == "identicon" else query.default
    etag = f'"default-{kind}-{query.side}-{fmt}"'
    if _matches(query.if_none_match, etag):
        return _not_modified(etag)
    return _image(_drawn(query.default, query.digest or "0" * 32, query.side, fmt), fmt, etag)


def _drawn(kind: str, digest: str, side: int, fmt: str) -> bytes:
    key = ("default", kind, digest if kind == "identicon" else "", side, fmt)
    data = PICTURES.get(key)
    if data is None:
        if kind == "identicon":
            image = defaults.identicon(digest, side)
        elif kind == "blank":
            image = defaults.blank(side)
        else:
            image = defaults.mystery_person(side)
        data = _encode(image, fmt)
        PICTURES.put(key, data)
    return data


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "webp":
        image.save(out, "WEBP", lossless=True)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _matches(if_none_match: str, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _common(headers: dict[str, str]) -> dict[str, str]:
    return {
        **headers,
        "Cache-Control": f"public, max-age={MAX_AGE}",
        "Vary": "Accept",
        # Any site may show it, also one that isolates itself (COEP), and read it in a canvas.
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "X-Content-Type-Options": "nosniff",
    }


def _image(body: bytes, fmt: str, etag: str) -> Answer:
    return Answer(200, body, _common({"Content-Type": f"image/{fmt}", "ETag": etag}))


def _not_modified(etag: str) -> Answer:
    return Answer(304, b"", _common({"ETag": etag}))


def rate_limited(retry_after: int) -> Answer:
    return Answer(
        429,
        b"Too many requests from your address; try again shortly.\n",
        {
            "Content-Type": "text/plain; charset=utf-8",
            "Retry-After": str(retry_after),
            "Cache-Control": "no-store",
            "Access-Control-Allow-Origin": "*",
        },
    )
