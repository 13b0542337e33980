"""The Gemini engine: Google's image models through the ``google-genai`` SDK.

Each render rebuilds the whole conversation from the request (servers stay stateless):

* the profile is the system instruction;
* the first user turn is the generation brief (style prompt + instruction), the selfie and
  the identity references — the user's identity photos first, then the versions they chose
  (as many as the model keeps people consistent, fewer as the style
  strength rises past 50: see :func:`references_for_strength`);
* the style strength (0-100) becomes words: asking to stay close to the photo below 40,
  to push the style above 60, nothing between (50 sends what was always sent): see
  :data:`STRENGTH_WORDS`; on an edit they follow its instruction;
* for an edit, every earlier version follows as a model turn (the stored reply ``Content``,
  thought signatures intact, with that version's image put back where the model's image was)
  and a user turn with the next instruction; the last user turn is the new instruction.

Images go out as JPEG (≤1024 px on the long side). The total of image bytes in a request is
kept under ``GEMINI_HISTORY_BUDGET_BYTES`` by leaving out the oldest history images first;
the selfie and the version being edited are always sent. Once the person deleted their
selfie, the avatar's first version is sent in its place (``source_is_version``), and the brief
says it is an earlier avatar of theirs, not a photo (``conversation.STAND_IN_TEXT``).

The reply is streamed: text parts reach ``progress`` as ``text_delta``. The stored
``model_content`` is the reply's ``Content`` as JSON with the image bytes removed and an
``_image_part_index`` marker saying where the image was. An image Google signed (C2PA)
also comes back untouched in ``RenderResult.original``. The models, their limits and the
retired names are data in :mod:`avatars.engines.gemini.model_table`.

Every failure becomes a typed :class:`EngineError`; the API key never appears in a message,
detail or log line. 429 is deliberately not retried by the SDK (it ignores the server's
``RetryInfo.retryDelay``): we raise :class:`RateLimited` with that delay and the job runner
waits.
"""

from __future__ import annotations

import io
import logging
import time
from typing import Any

from django.conf import settings
from PIL import Image

from avatars.engines.base import (
    BadRequest,
    Blocked,
    Engine,
    Misconfigured,
    Progress,
    RenderRequest,
    RenderResult,
    Unavailable,
    no_progress,
    style_strength_check,
)
from avatars.engines.gemini import model_table as gemini_models
from avatars.engines.gemini.client import genai_client, transport_errors
from avatars.engines.gemini.conversation import (
    IDENTITY_TEXT,
    REFERENCE_TEXT,
    Encoded,
    Images,
    brief,
    content_for_storage,
    content_from_storage,
    image_part,
    is_image_part,
    parts_aggregate,
    references_for_strength,
    strength_words,
    system_instruction,
)
from avatars.engines.gemini.errors import (
    BLOCKED_MESSAGE,
    MISCONFIGURED_MESSAGE,
    TIMEOUT_MESSAGE,
    TROUBLE_MESSAGE,
    UNREACHABLE_MESSAGE,
    engine_error,
    redact,
)

logger = logging.getLogger(__name__)


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

        timeouts, transport = transport_errors()
        try:
            listed = list(genai_client().models.list())
        except errors.APIError as exc:
            raise Misconfigured(MISCONFIGURED_MESSAGE, detail=redact(f"{exc!r}")) from None
        except (*timeouts, *transport) as exc:
            raise Unavailable(UNREACHABLE_MESSAGE, detail=redact(f"{exc!r}")) from None
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
        images = Images()
        selfie = images.get(request.source)
        wanted = references_for_strength(spec.max_references, request.style_strength)
        # The identity photos first (photos of the person hold a likeness better than
        # earlier avatars of them), then the chosen versions, all within the model's count.
        references = [(IDENTITY_TEXT, images.get(p)) for p in request.identity_photos[:wanted]]
        references += [
            (REFERENCE_TEXT, images.get(r)) for r in request.references[: wanted - len(references)]
        ]
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
        for text, ref in references[:room]:
            if used + ref.wire_size <= budget:
                kept_refs.append((text, ref))
                used += ref.wire_size
        room -= len(kept_refs)
        history_images: dict[int, Encoded] = {}
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
        user_parts = [types.Part.from_text(text=brief(request, first_instruction))]
        user_parts.append(image_part(selfie))
        for text, ref in kept_refs:
            user_parts.append(types.Part.from_text(text=text))
            user_parts.append(image_part(ref))
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
                    parts.append(image_part(image))
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
            last_parts.append(image_part(edited_enc))
        last_text = request.instruction.strip() or "Make another version."
        if strength_words(request.style_strength):
            last_text += "\n\n" + strength_words(request.style_strength)
        last_parts.append(types.Part.from_text(text=last_text))
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
        style_strength_check(request.style_strength)
        started = time.monotonic()
        progress("sending", 10, "Sending your photo and profile")
        contents = self.build_contents(request, model)
        config = self.build_config(request, model)
        timeouts, transport = transport_errors()

        parts: list = []
        usage_meta = None
        block_reason = None
        finish_reasons: list[str] = []
        percent = 30
        try:
            client = genai_client()
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
                    parts_aggregate(parts, new_parts)
                percent = min(85, percent + 5)
                progress("drawing", percent, None, delta or None)
        except errors.APIError as exc:
            raise engine_error(exc, model, self.models()) from None
        except timeouts as exc:
            raise Unavailable(TIMEOUT_MESSAGE, detail=redact(f"{model}: {exc!r}")) from None
        except transport as exc:
            raise Unavailable(UNREACHABLE_MESSAGE, detail=redact(f"{model}: {exc!r}")) from None
        except ValueError as exc:  # an answer the SDK could not parse (pydantic, JSON)
            detail = redact(f"{model}: unreadable answer: {exc!r}")[:2000]
            raise Unavailable(TROUBLE_MESSAGE, detail=detail) from None

        text = "".join(p.text for p in parts if p.text and not p.thought).strip()
        image_part = next((p for p in parts if is_image_part(p) and not p.thought), None)
        if image_part is None:
            image_part = next((p for p in parts if is_image_part(p)), None)
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
