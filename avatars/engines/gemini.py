"""The Gemini engine: Google's image models through the ``google-genai`` SDK.

Each render rebuilds the whole conversation from the request (servers stay stateless):

* the profile is the system instruction;
* the first user turn is the generation brief (style prompt + instruction), the selfie and up
  to three identity references;
* for an edit, every earlier version follows as a model turn (the stored reply ``Content``,
  thought signatures intact, with that version's image put back where the model's image was)
  and a user turn with the next instruction; the last user turn is the new instruction.

Images go out as JPEG (≤1024 px on the long side). The total of image bytes in a request is
kept under ``GEMINI_HISTORY_BUDGET_BYTES`` by leaving out the oldest history images first;
the selfie and the version being edited are always sent. Once the person deleted their
selfie, the avatar's first version is sent in its place (``source_is_version``), and the brief
says it is an earlier avatar of theirs, not a photo (:data:`STAND_IN_TEXT`).

The reply is streamed: text parts reach ``progress`` as ``text_delta``. The stored
``model_content`` is the reply's ``Content`` as JSON with the image bytes removed and an
``_image_part_index`` marker saying where the image was. An image Google signed (C2PA)
also comes back untouched in ``RenderResult.original``. The models, their limits and the
retired names are data in :mod:`avatars.engines.gemini_models`.

Every failure becomes a typed :class:`EngineError`; the API key never appears in a message,
detail or log line. 429 is deliberately not retried by the SDK (it ignores the server's
``RetryInfo.retryDelay``): we raise :class:`RateLimited` with that delay and the job runner
waits.
"""

from __future__ import annotations

import io
import logging
import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from PIL import Image

from avatars.engines import gemini_models
from avatars.engines.base import (
    BadRequest,
    Blocked,
    Engine,
    Misconfigured,
    Progress,
    RateLimited,
    RenderRequest,
    RenderResult,
    Unavailable,
    no_progress,
)

logger = logging.getLogger(__name__)

BLOCK_FINISH_REASONS = frozenset(
    {
        "SAFETY",
        "IMAGE_SAFETY",
        "PROHIBITED_CONTENT",
        "BLOCKLIST",
        "SPII",
        "RECITATION",
        "IMAGE_PROHIBITED_CONTENT",
        "OTHER",
    }
)
MAX_SIDE = 1024
JPEG_QUALITY = 90
DEFAULT_RETRY_AFTER = 10.0
IMAGE_PART_MARKER = "_image_part_index"
REFERENCE_TEXT = "Reference: an earlier avatar of the same person — keep this identity."
# Said of the picture sent in the selfie's place once the person deleted their photo.
STAND_IN_TEXT = (
    "This picture is not a photo: it is the first avatar drawn of this person (their photo "
    "was deleted at their request). Take their likeness from it."
)
OMITTED_IMAGE_TEXT = "[an earlier image, left out to keep the request small]"

BLOCKED_MESSAGE = "The model declined this request; try rephrasing it."
BUSY_MESSAGE = "Gemini is busy right now; try again in {n} seconds."
TROUBLE_MESSAGE = "Gemini is having trouble right now."
TIMEOUT_MESSAGE = "Gemini took too long to answer."
UNREACHABLE_MESSAGE = "Gemini can't be reached right now."
MISCONFIGURED_MESSAGE = (
    "Gemini isn't set up correctly on this server; an administrator has been told."
)

RULES = (
    "Rules: Always keep the person's face and identity recognisable — the same face shape, "
    "eyes, nose, mouth, skin tone, hair and distinguishing features — whatever the style. "
    "Keep the picture suitable for all ages. Reply with one image and one or two sentences "
    "describing what you did."
)


# --- the SDK client -------------------------------------------------------------------------

_client_lock = threading.Lock()
_clients: dict[tuple, Any] = {}


def _client():
    """The process-wide ``genai.Client`` for the current settings (rebuilt when they change)."""
    from google import genai
    from google.genai import types

    key = (
        settings.GEMINI_API_KEY,
        settings.GEMINI_BASE_URL or None,
        float(settings.GEMINI_TIMEOUT_SECONDS),
        int(settings.GEMINI_RETRY_ATTEMPTS),
    )
    with _client_lock:
        client = _clients.get(key)
        if client is None:
            api_key, base_url, timeout, attempts = key
            client = genai.Client(
                api_key=api_key,
                http_options=types.HttpOptions(
                    base_url=base_url,
                    timeout=int(timeout * 1000),
                    retry_options=types.HttpRetryOptions(
                        attempts=max(1, attempts),
                        initial_delay=0.2,
                        max_delay=2.0,
                        # 429 is ours to handle: the SDK ignores RetryInfo.retryDelay.
                        http_status_codes=[408, 500, 502, 503, 504],
                    ),
                ),
            )
            _clients.clear()  # old settings' clients are never used again
            _clients[key] = client
        return client


def _transport_errors() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(timeout exception classes, other transport exception classes) of the HTTP libraries."""
    timeouts: list[type] = [TimeoutError]
    transport: list[type] = [ConnectionError]
    for name in ("httpx2", "httpx"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        timeouts.append(module.TimeoutException)
        transport.append(module.TransportError)
    return tuple(timeouts), tuple(transport)


# --- images -------------------------------------------------------------------------------


@dataclass
class _Encoded:
    data: bytes

    @property
    def wire_size(self) -> int:
        """Bytes this image takes in the JSON body (base64)."""
        return 4 * math.ceil(len(self.data) / 3)


def encode_image(image: Image.Image, max_side: int = MAX_SIDE) -> bytes:
    """JPEG (quality 90) of ``image`` at most ``max_side`` px on its long side."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    if max(image.size) > max_side:
        scale = max_side / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=JPEG_QUALITY)
    return buf.getvalue()


class _Images:
    """Encodes each image once per render."""

    def __init__(self):
        self._cache: dict[int, _Encoded] = {}

    def get(self, image: Image.Image) -> _Encoded:
        found = self._cache.get(id(image))
        if found is None:
            found = self._cache[id(image)] = _Encoded(encode_image(image))
        return found


def _image_part(encoded: _Encoded):
    from google.genai import types

    return types.Part.from_bytes(data=encoded.data, mime_type="image/jpeg")


# --- prompts ------------------------------------------------------------------------------


def system_instruction(request: RenderRequest) -> str:
    profile = request.profile
    lines = ["You are the illustrator of Pix Me!, turning a person's selfie into an avatar."]
    if request.source_is_version:
        lines = ["You are the illustrator of Pix Me!, drawing avatars of a person."]
    if profile.display_name:
        lines.append(f"The person's name: {profile.display_name}.")
    if profile.backstory:
        lines.append(f"Their story, in their own words:\n{profile.backstory.strip()}")
    if profile.palette:
        lines.append("Colour palette to favour: " + ", ".join(profile.palette) + ".")
    if profile.traits:
        lines.append(f"Traits to keep in every picture: {profile.traits.strip()}")
    if profile.caption:
        lines.append(f"Letter the caption “{profile.caption}” onto the image.")
    lines.append(RULES)
    return "\n\n".join(lines)


def _brief(request: RenderRequest, instruction: str) -> str:
    prompt = (request.style_prompt or f"A {request.style_slug} avatar.").strip()
    prompt = prompt.replace("{name}", request.profile.display_name or "the person")
    prompt = prompt.replace("{caption}", request.profile.caption or "")
    if request.source_is_version:
        text = f"Draw this person as an avatar. {STAND_IN_TEXT} Style: {prompt}"
    else:
        text = f"Turn this selfie into an avatar. Style: {prompt}"
    if instruction.strip():
        text += f"\n\nAlso: {instruction.strip()}"
    return text


# --- model content ------------------------------------------------------------------------


def _is_image_part(part) -> bool:
    blob = part.inline_data
    return bool(blob and blob.data and (blob.mime_type or "").startswith("image/"))


def content_for_storage(content) -> dict:
    """The reply's Content as JSON, image bytes removed, with the image's position noted."""
    from google.genai import types

    parts = []
    marker = None
    for part in content.parts or []:
        if _is_image_part(part):
            if part.thought:  # an interim "thinking" image: never needed again
                if part.thought_signature:
                    parts.append(
                        types.Part(text="", thought=True, thought_signature=part.thought_signature)
                    )
                continue
            if marker is None:
                marker = len(parts)
                parts.append(part.model_copy(update={"inline_data": None}))
                continue
            part = part.model_copy(update={"inline_data": None})
            if not part.thought_signature:
                continue
        parts.append(part)
    stored = types.Content(role="model", parts=parts).model_dump(mode="json", exclude_none=True)
    if marker is not None:
        stored[IMAGE_PART_MARKER] = marker
    return stored


def content_from_storage(stored: dict, image: _Encoded | None):
    """The stored model Content with ``image`` put back where the model's image was.

    ``image=None`` leaves the image out (keeping its part's thought signature, if any, on a
    short text part so the conversation stays valid).
    """
    from google.genai import types

    data = dict(stored)
    marker = data.pop(IMAGE_PART_MARKER, None)
    content = types.Content.model_validate(data)
    parts = list(content.parts or [])
    if not (isinstance(marker, int) and 0 <= marker < len(parts)):
        # No marker (an older store): the first image part, if any, is the slot.
        marker = next((i for i, p in enumerate(parts) if p.inline_data is not None), None)
    result = []
    for index, part in enumerate(parts):
        if index == marker:
            if image is not None:
                blob = types.Blob(data=image.data, mime_type="image/jpeg")
                result.append(part.model_copy(update={"inline_data": blob}))
            elif part.thought_signature:
                result.append(
                    part.model_copy(update={"inline_data": None, "text": OMITTED_IMAGE_TEXT})
                )
            continue
        if part.inline_data is not None:  # never resend stray stored bytes
            if not part.thought_signature:
                continue
            part = part.model_copy(update={"inline_data": None, "text": part.text or ""})
        result.append(part)
    if marker is None and image is not None:
        result.append(_image_part(image))
    parts = result
    return types.Content(role="model", parts=parts), image is not None


def _aggregate(parts: list, new_parts) -> None:
    """Add a streamed chunk's parts, concatenating consecutive text parts."""
    for part in new_parts or []:
        if part.text is not None and not part.inline_data and not part.function_call:
            last = parts[-1] if parts else None
            if (
                last is not None
                and last.text is not None
                and not last.inline_data
                and bool(last.thought) == bool(part.thought)
                and not (last.thought_signature and part.thought_signature)
            ):
                parts[-1] = last.model_copy(
                    update={
                        "text": last.text + part.text,
                        "thought_signature": last.thought_signature or part.thought_signature,
                    }
                )
                continue
        parts.append(part)


# --- errors -------------------------------------------------------------------------------


def _redact(text: Any) -> str:
    text = str(text)
    key = settings.GEMINI_API_KEY
    if key:
        text = text.replace(key, "***")
    return text


def _error_body(exc) -> dict:
    details = getattr(exc, "details", None)
    if isinstance(details, list) and details:
        details = details[0]
    if isinstance(details, dict):
        return details.get("error", details) if isinstance(details.get("error"), dict) else details
    return {}


def _retry_delay(exc) -> float:
    for item in _error_body(exc).get("details") or []:
        if isinstance(item, dict) and "retryDelay" in item:
            match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)s?\s*", str(item["retryDelay"]))
            if match:
                return float(match.group(1))
    return DEFAULT_RETRY_AFTER


def _key_problem(exc) -> bool:
    body = _error_body(exc)
    reasons = {
        str(item.get("reason", "")) for item in body.get("details") or [] if isinstance(item, dict)
    }
    message = str(body.get("message") or getattr(exc, "message", "") or "")
    return "API_KEY_INVALID" in reasons or "api key" in message.lower()


def _map_api_error(exc, model: str, offered: list[str]) -> Exception:
    from google.genai import errors

    code = getattr(exc, "code", None) or 0
    status = getattr(exc, "status", None) or ""
    readable = _redact(getattr(exc, "message", None) or status or "")
    detail = _redact(f"{model}: {code} {status} {readable}")
    if isinstance(exc, errors.ServerError) or code >= 500:
        return Unavailable(TROUBLE_MESSAGE, detail=detail)
    if code == 429:
        delay = _retry_delay(exc)
        return RateLimited(
            BUSY_MESSAGE.format(n=math.ceil(delay)), retry_after=delay, detail=detail
        )
    if code in (401, 403) or (code == 400 and _key_problem(exc)):
        logger.error("Gemini refused our credentials or access: %s", detail)
        return Misconfigured(MISCONFIGURED_MESSAGE, detail=detail)
    if code == 404 or status == "NOT_FOUND" or gemini_models.GONE_WORDS.search(readable):
        return gemini_models.model_gone(model, offered, detail)  # one request: not retried
    if code == 408:
        return Unavailable(TIMEOUT_MESSAGE, detail=detail)
    reason = readable.rstrip(".") or "the request was not accepted"
    return BadRequest(f"Gemini couldn't do this: {reason}.", detail=detail)


# --- the engine ---------------------------------------------------------------------------


class GeminiEngine(Engine):
    slug = "gemini"
    label = "Gemini"

    def configured(self) -> bool:
        # A key and at least one model: GEMINI_MODELS="," must not offer an engine that can't draw.
        return bool(settings.GEMINI_API_KEY) and bool(self.models())

    def models(self) -> list[str]:
        return gemini_models.configured_models(settings.GEMINI_MODELS)

    def resolve_model(self, name: str | None) -> str:
        """``name`` as offered here: retired names become their replacement (or the default,
        when this site doesn't offer the replacement)."""
        allowed = self.models()
        if not allowed:
            raise Misconfigured(MISCONFIGURED_MESSAGE, detail="GEMINI_MODELS is empty")
        if not name:
            return allowed[0]
        current = gemini_models.current_name(name)
        if current in allowed:
            return current
        if current != name:
            return allowed[0]
        raise BadRequest(f"Unknown Gemini model “{name}”. Choose one of: {', '.join(allowed)}.")

    def capabilities(self, model: str | None = None) -> dict:
        spec = gemini_models.model_spec(self.resolve_model(model))
        return {
            "aspect_ratios": list(spec.aspect_ratios),
            "image_sizes": list(spec.image_sizes),
            "references": spec.max_references,
        }

    def available_models(self) -> list[str]:
        """The image models this key can use, as Google lists them (``models.list``)."""
        from google.genai import errors

        timeouts, transport = _transport_errors()
        try:
            listed = list(_client().models.list())
        except errors.APIError as exc:
            raise Misconfigured(MISCONFIGURED_MESSAGE, detail=_redact(f"{exc!r}")) from None
        except (*timeouts, *transport) as exc:
            raise Unavailable(UNREACHABLE_MESSAGE, detail=_redact(f"{exc!r}")) from None
        names = (m.name.removeprefix("models/") for m in listed if gemini_models.makes_images(m))
        return sorted(set(names))

    # -- request building ------------------------------------------------------------------

    def _image_config(self, request: RenderRequest, model: str):
        from google.genai import types

        caps = self.capabilities(model)
        aspect = request.aspect_ratio
        if not aspect:
            aspect = gemini_models.nearest_aspect_ratio(
                request.source.width, request.source.height, tuple(caps["aspect_ratios"])
            )
        elif aspect not in caps["aspect_ratios"]:
            raise BadRequest(
                f"Gemini can't draw a {aspect} image; choose one of "
                f"{', '.join(caps['aspect_ratios'])}."
            )
        size = None
        if request.image_size and caps["image_sizes"]:
            if request.image_size not in caps["image_sizes"]:
                raise BadRequest(
                    f"{model} can't draw {request.image_size} images; choose one of "
                    f"{', '.join(caps['image_sizes'])}."
                )
            size = request.image_size
        return types.ImageConfig(aspect_ratio=aspect, image_size=size)

    def build_contents(self, request: RenderRequest, model: str = "") -> list:
        """The conversation to send, within the image byte budget and the model's limits."""
        from google.genai import types

        spec = gemini_models.model_spec(self.resolve_model(model))
        images = _Images()
        selfie = images.get(request.source)
        references = [images.get(r) for r in request.references[: spec.max_references]]
        history = list(request.history) if request.kind == "edit" else []
        edited = request.base_image
        if edited is None and history:
            edited = history[-1].image
        edited_enc = images.get(edited) if edited is not None else None

        # The budget, in bytes and in the model's count of images: selfie and edited version
        # always; then references; then history images newest first (so the oldest are the
        # ones left out).
        budget = int(settings.GEMINI_HISTORY_BUDGET_BYTES)
        used = selfie.wire_size + (edited_enc.wire_size if edited_enc else 0)
        room = spec.max_images - 1 - (edited_enc is not None)
        kept_refs = []
        for ref in references[:room]:
            if used + ref.wire_size <= budget:
                kept_refs.append(ref)
                used += ref.wire_size
        room -= len(kept_refs)
        history_images: dict[int, _Encoded] = {}
        for index in range(len(history) - 2, -1, -1):
            image = history[index].image
            if image is None or len(history_images) >= room:
                continue
            enc = images.get(image)
            if used + enc.wire_size <= budget:
                history_images[index] = enc
                used += enc.wire_size
        if history and edited_enc is not None:
            history_images[len(history) - 1] = edited_enc

        first_instruction = history[0].instruction if history else request.instruction
        if request.kind == "edit" and not history:
            first_instruction = ""
        user_parts = [types.Part.from_text(text=_brief(request, first_instruction))]
        user_parts.append(_image_part(selfie))
        for ref in kept_refs:
            user_parts.append(types.Part.from_text(text=REFERENCE_TEXT))
            user_parts.append(_image_part(ref))
        contents = [types.Content(role="user", parts=user_parts)]
        if request.kind != "edit":
            return contents

        carried_edited = False
        for index, item in enumerate(history):
            image = history_images.get(index)
            stored = item.model_content
            if isinstance(stored, dict) and stored.get("parts"):
                model_turn, carried = content_from_storage(stored, image)
            else:
                parts = []
                if item.model_text:
                    parts.append(types.Part.from_text(text=item.model_text))
                if image is not None:
                    parts.append(_image_part(image))
                if not parts:
                    parts.append(types.Part.from_text(text="(done)"))
                model_turn, carried = types.Content(role="model", parts=parts), image is not None
            if index == len(history) - 1:
                carried_edited = carried
            contents.append(model_turn)
            if index < len(history) - 1:
                next_instruction = history[index + 1].instruction or "Make another version."
                contents.append(
                    types.Content(role="user", parts=[types.Part.from_text(text=next_instruction)])
                )
        last_parts = []
        if edited_enc is not None and not carried_edited:
            last_parts.append(types.Part.from_text(text="This is the version to edit:"))
            last_parts.append(_image_part(edited_enc))
        last_parts.append(
            types.Part.from_text(text=request.instruction.strip() or "Make another version.")
        )
        contents.append(types.Content(role="user", parts=last_parts))
        return contents

    def build_config(self, request: RenderRequest, model: str):
        from google.genai import types

        return types.GenerateContentConfig(
            response_modalities=["TEXT", "IMAGE"],
            system_instruction=system_instruction(request),
            image_config=self._image_config(request, model),
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        )

    # -- rendering -------------------------------------------------------------------------

    def render(self, request: RenderRequest, progress: Progress = no_progress) -> RenderResult:
        from google.genai import errors

        if not self.configured():
            raise Misconfigured(MISCONFIGURED_MESSAGE, detail="GEMINI_API_KEY is not set")
        model = self.resolve_model(request.model)
        started = time.monotonic()
        progress("sending", 10, "Sending your photo and profile")
        contents = self.build_contents(request, model)
        config = self.build_config(request, model)
        timeouts, transport = _transport_errors()

        parts: list = []
        usage_meta = None
        block_reason = None
        finish_reasons: list[str] = []
        percent = 30
        try:
            client = _client()
            stream = client.models.generate_content_stream(
                model=model, contents=contents, config=config
            )
            progress("drawing", percent, "Drawing your avatar")
            for chunk in stream:
                if chunk.usage_metadata is not None:
                    usage_meta = chunk.usage_metadata
                feedback = chunk.prompt_feedback
                if feedback is not None and feedback.block_reason:
                    block_reason = _enum_name(feedback.block_reason)
                delta = ""
                for candidate in (chunk.candidates or [])[:1]:
                    if candidate.finish_reason:
                        finish_reasons.append(_enum_name(candidate.finish_reason))
                    new_parts = candidate.content.parts if candidate.content else None
                    delta = "".join(p.text for p in new_parts or [] if p.text and not p.thought)
                    _aggregate(parts, new_parts)
                percent = min(85, percent + 5)
                progress("drawing", percent, None, delta or None)
        except errors.APIError as exc:
            raise _map_api_error(exc, model, self.models()) from None
        except timeouts as exc:
            raise Unavailable(TIMEOUT_MESSAGE, detail=_redact(f"{model}: {exc!r}")) from None
        except transport as exc:
            raise Unavailable(UNREACHABLE_MESSAGE, detail=_redact(f"{model}: {exc!r}")) from None
        except ValueError as exc:  # an answer the SDK could not parse (pydantic, JSON)
            detail = _redact(f"{model}: unreadable answer: {exc!r}")[:2000]
            raise Unavailable(TROUBLE_MESSAGE, detail=detail) from None

        text = "".join(p.text for p in parts if p.text and not p.thought).strip()
        image_part = next((p for p in parts if _is_image_part(p) and not p.thought), None)
        if image_part is None:
            image_part = next((p for p in parts if _is_image_part(p)), None)
        if block_reason or image_part is None:
            reason = block_reason or ",".join(finish_reasons) or "no image"
            raise Blocked(BLOCKED_MESSAGE, model_text=text, detail=f"{model}: {reason}")
        data = image_part.inline_data.data
        try:
            image = Image.open(io.BytesIO(data))
            image.load()
            image = image.convert("RGB")
        except Exception as exc:  # noqa: BLE001 - any undecodable image is the same failure
            detail = f"{model}: undecodable image: {exc!r}"
            raise Unavailable(TROUBLE_MESSAGE, detail=detail) from None
        progress("received", 90, "Received the image")

        from google.genai import types

        stored = content_for_storage(types.Content(role="model", parts=parts))
        usage = {
            "prompt_tokens": getattr(usage_meta, "prompt_token_count", None),
            "candidate_tokens": getattr(usage_meta, "candidates_token_count", None),
            "total_tokens": getattr(usage_meta, "total_token_count", None),
            "latency_ms": round((time.monotonic() - started) * 1000),
            "model": model,
        }
        result = RenderResult(image, text, model=model, usage=usage, model_content=stored)
        signed = gemini_models.c2pa_type(data)  # kept as it came: a re-encode drops the manifest
        if signed:
            result.original, result.original_type = data, signed
        return result


def _enum_name(value: Any) -> str:
    return str(getattr(value, "value", value) or "").upper()
