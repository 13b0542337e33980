"""The engine interface every image engine implements, and its typed errors.

Contract
--------
``Engine.render(request, progress) -> RenderResult``

* ``request`` (:class:`RenderRequest`) carries the normalised source selfie (an RGB
  ``PIL.Image``; once its owner deleted it, the avatar's first version, and
  ``source_is_version`` says so), the style, the instruction, the image being edited (for an
  edit), the conversation history, the profile context and reference images, and the output
  shape; and what was found once and kept: the faces and the person mask of the selfie and of
  the image being edited (None when not found yet: an engine that needs them finds them); and
  ``style_strength``, 0-100: 0 is as close to the photo as the style allows, 100 the
  strongest style, 50 (the default) the style as it was always drawn.
* ``progress(stage, percent, message=None, text_delta=None)`` is called as work advances:
  ``stage`` is a short machine name (``decode``, ``detect``, ``stylise``, ``letter``,
  ``encode`` for studio; ``sending``, ``drawing``, ``received`` for a remote model),
  ``percent`` is 0-100 and never goes backwards, ``message`` is a human sentence and
  ``text_delta`` is a piece of the model's own words as they arrive.
* The result carries the image (RGB ``PIL.Image``), the model's text (what was done, in words
  a user reads), the model name, usage figures and, for conversational engines, the raw reply
  content to store and send back on the next turn.

Errors are typed (all subclasses of :class:`EngineError`, whose ``message`` is safe to show
a user): :class:`Blocked` (safety; the user may rephrase), :class:`RateLimited` (carries
``retry_after`` seconds), :class:`Unavailable` (transient: the job runner retries these with
backoff), :class:`BadRequest` (permanent: the request itself cannot be done; its kind
:class:`NoPerson` when an edit needs a person the picture doesn't show) and
:class:`Misconfigured` (the operator's problem; never includes secrets), and its kind
:class:`ModelGone` (the provider no longer has that model: the user picks another). Only
``EngineError.retryable`` errors are retried, by one policy for the jobs and the CLI alike:
:func:`retry_wait`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from PIL import Image

from avatars.faces import FaceAnalysis
from avatars.person import PersonMask


class EngineError(Exception):
    """An engine failure with a message a user can read."""

    code = "engine_error"
    retryable = False

    def __init__(self, message: str, *, detail: str = ""):
        super().__init__(message)
        self.message = message
        # Operator-facing detail for logs; never shown to users, never holds secrets.
        self.detail = detail


class Blocked(EngineError):
    code = "blocked"

    def __init__(self, message: str, *, model_text: str = "", detail: str = ""):
        super().__init__(message, detail=detail)
        self.model_text = model_text


class RateLimited(EngineError):
    code = "rate_limited"
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, detail: str = ""):
        super().__init__(message, detail=detail)
        self.retry_after = retry_after


class Unavailable(EngineError):
    code = "unavailable"
    retryable = True


class BadRequest(EngineError):
    code = "bad_request"


class NoPerson(BadRequest):
    """The picture shows nobody to tell from a background (a background edit can't be done)."""

    code = "no_person"


class Misconfigured(EngineError):
    code = "misconfigured"


class ModelGone(Misconfigured):
    """The model was withdrawn: asking again can't help, another model can."""

    code = "model_gone"


# "More me ↔ more style": 0 keeps as much of the photo as the style allows, 100 is the
# strongest style; 50 is every style as it was drawn before the control existed.
STYLE_STRENGTH_MIN, STYLE_STRENGTH_DEFAULT, STYLE_STRENGTH_MAX = 0, 50, 100


def style_strength_check(value) -> int:
    """``value`` as a style strength (a whole number 0-100), or BadRequest saying so."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(
            f"The style strength is a whole number from {STYLE_STRENGTH_MIN} (more like your "
            f"photo) to {STYLE_STRENGTH_MAX} (more style), not {value!r}."
        )
    if not STYLE_STRENGTH_MIN <= value <= STYLE_STRENGTH_MAX:
        raise BadRequest(
            f"The style strength goes from {STYLE_STRENGTH_MIN} (more like your photo) to "
            f"{STYLE_STRENGTH_MAX} (more style), not {value}."
        )
    return value


# One try and two retries, with PIXME_RETRY_BACKOFF's waits before the retries.
MAX_ATTEMPTS = 3


def retry_wait(error: EngineError, attempt: int) -> float | None:
    """Seconds to wait before trying again after try ``attempt`` (1-based) failed with
    ``error``; None when it is not worth another try. A server's "retry in N s" hint may
    stretch the wait, never beyond PIXME_RETRY_MAX_WAIT."""
    if not error.retryable or attempt >= MAX_ATTEMPTS:
        return None
    delay = settings.PIXME_RETRY_BACKOFF[attempt - 1]
    if getattr(error, "retry_after", None):
        delay = max(delay, error.retry_after)
    return min(delay, settings.PIXME_RETRY_MAX_WAIT)


class Progress(Protocol):
    def __call__(
        self,
        stage: str,
        percent: int,
        message: str | None = None,
        text_delta: str | None = None,
    ) -> None: ...


def no_progress(stage: str, percent: int, message=None, text_delta=None) -> None:
    """A progress callback that ignores everything (for callers that do not listen)."""


@dataclass(frozen=True)
class ProfileContext:
    """What a user told us about themselves, sent along with every render."""

    display_name: str = ""
    backstory: str = ""
    palette: tuple[str, ...] = ()  # "#rrggbb" strings, most important first
    traits: str = ""  # "always wears round glasses"
    caption: str = ""  # a name or motto to letter onto avatars


@dataclass
class HistoryItem:
    """One earlier turn of the conversation (oldest first in ``RenderRequest.history``)."""

    instruction: str
    model_text: str = ""
    image: Image.Image | None = None
    # The engine's own record of its reply (e.g. Gemini's Content as JSON with
    # thought signatures), sent back verbatim as the model's turn.
    model_content: Any = None


@dataclass
class RenderRequest:
    source: Image.Image  # normalised selfie, RGB
    style_slug: str
    style_prompt: str = ""
    instruction: str = ""
    kind: str = "generate"  # "generate" or "edit"
    base_image: Image.Image | None = None  # the version being edited (edits only)
    history: list[HistoryItem] = field(default_factory=list)
    profile: ProfileContext = field(default_factory=ProfileContext)
    references: list[Image.Image] = field(default_factory=list)
    # The user's identity photos (avatars.identity_photos), in the guided sequence's order:
    # an engine that takes references sends these first, then ``references``, within its
    # model's count of people.
    identity_photos: list[Image.Image] = field(default_factory=list)
    faces: FaceAnalysis | None = None  # detected once per source and cached
    # The faces found in base_image itself (edits of a version whose likeness was measured).
    base_faces: FaceAnalysis | None = None
    person: PersonMask | None = None  # where the person is in the source, found once
    # Where the person is in base_image itself (edits of a version whose person was found).
    base_person: PersonMask | None = None
    model: str = ""
    aspect_ratio: str = ""  # "1:1", "3:4", … ; "" keeps the source's shape
    image_size: str = ""  # "1K", "2K", … for engines that support it
    variant: int = 0  # which take of several (0: the first); engines make takes differ by it
    style_strength: int = STYLE_STRENGTH_DEFAULT  # 0 more like the photo … 100 more style
    # The selfie was deleted (its owner's choice): ``source`` is the avatar's first version,
    # standing in for it. Engines that tell a model what it sees say so.
    source_is_version: bool = False


@dataclass
class RenderResult:
    image: Image.Image
    text: str = ""
    model: str = ""
    usage: dict[str, Any] = field(default_factory=dict)
    model_content: Any = None
    # The provider's own file, when it signed it (a C2PA manifest inside): stored as it came,
    # since any re-encode would drop the signature.
    original: bytes = b""
    original_type: str = ""  # its MIME type


class Engine:
    """Base class for engines; subclasses set ``slug``/``label`` and implement ``render``."""

    slug: str = ""
    label: str = ""

    def render(self, request: RenderRequest, progress: Progress = no_progress) -> RenderResult:
        raise NotImplementedError

    def edit_check(self, instruction: str, *, caption: str = "") -> None:
        """Refuse, before anything is queued or paid for, an edit this engine can only refuse
        (raise an EngineError saying why). ``caption`` is the words a bare "add my name"
        letters. Engines that read free text (Gemini) accept anything here."""

    def supports_style(self, style_slug: str) -> bool:
        return True

    def configured(self) -> bool:
        """Whether the operator has set this engine up (keys, endpoints)."""
        return True

    def models(self) -> list[str]:
        return []

    def resolve_model(self, name: str) -> str:
        """The model to use for ``name`` ('' means the default); BadRequest if not offered."""
        offered = self.models()
        if not name:
            return offered[0] if offered else ""
        if name not in offered:
            raise BadRequest(f"{self.label} doesn't offer the model {name!r}.")
        return name

    def capabilities(self, model: str = "") -> dict:
        """What a model accepts: ``aspect_ratios`` and ``image_sizes`` (empty: not offered),
        and how many identity ``references`` it is sent."""
        return {"aspect_ratios": [], "image_sizes": [], "references": 0}


# slug -> (label, dotted path). Imported lazily so a missing optional dependency of one
# engine never breaks the others.
ENGINES: dict[str, tuple[str, str]] = {
    "studio": ("Studio (offline)", "avatars.engines.studio.StudioEngine"),
    "gemini": ("Gemini", "avatars.engines.gemini.engine.GeminiEngine"),
}

_instances: dict[str, Engine] = {}


def configured_engines() -> list[tuple[str, str]]:
    """(slug, label) of the engines usable right now, the default first."""
    return [
        (slug, label) for slug, (label, _path) in ENGINES.items() if get_engine(slug).configured()
    ]


def engine_catalogue() -> list[dict]:
    """Each usable engine with its models and what each model accepts (for choosers)."""
    catalogue = []
    for slug, label in configured_engines():
        engine = get_engine(slug)
        models = [{"name": m, **engine.capabilities(m)} for m in engine.models()]
        default = models[0] if models else {"name": "", **engine.capabilities("")}
        catalogue.append({"engine": slug, "label": label, "default": default, "models": models})
    return catalogue


def get_engine(slug: str) -> Engine:
    """The (process-wide) engine instance for ``slug``; raises KeyError for unknown slugs."""
    if slug not in _instances:
        _label, path = ENGINES[slug]
        module_name, class_name = path.rsplit(".", 1)
        engine_cls: Callable[[], Engine] = getattr(importlib.import_module(module_name), class_name)
        _instances[slug] = engine_cls()
    return _instances[slug]
