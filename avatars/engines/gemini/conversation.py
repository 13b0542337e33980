"""What goes to Gemini: the images (JPEG, at most 1024 px), the prompts (the profile as the
system instruction, the brief, the style strength in words), and the model's earlier replies
stored without their image bytes and put back together for the next turn."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image

from avatars.engines.base import RenderRequest

MAX_SIDE = 1024
JPEG_QUALITY = 90
IMAGE_PART_MARKER = "_image_part_index"
REFERENCE_TEXT = "Reference: an earlier avatar of the same person — keep this identity."
IDENTITY_TEXT = "Reference: a photo of the same person — keep this identity."
OMITTED_IMAGE_TEXT = "[an earlier image, left out to keep the request small]"
# Said of the picture sent in the selfie's place once the person deleted their photo.
STAND_IN_TEXT = (
    "This picture is not a photo: it is the first avatar drawn of this person (their photo "
    "was deleted at their request). Take their likeness from it."
)


RULES = (
    "Rules: Always keep the person's face and identity recognisable — the same face shape, "
    "eyes, nose, mouth, skin tone, hair and distinguishing features — whatever the style. "
    "Keep the picture suitable for all ages. Reply with one image and one or two sentences "
    "describing what you did."
)


# What the style strength asks of the model, by the highest strength each wording covers.
STRENGTH_WORDS = (
    (
        20,
        "Stay as close to the photo as the style allows: the exact face shape, proportions, "
        "skin tone, hair and expression, with the style applied lightly — a faithful portrait "
        "with a touch of the style.",
    ),
    (
        40,
        "Lean towards likeness: keep the face close to the photo and apply the style with a "
        "light hand.",
    ),
    (60, ""),
    (
        80,
        "Lean towards the style: stylise boldly, as long as the person stays recognisable.",
    ),
    (
        100,
        "Push the style as far as it goes — bold, exaggerated, graphic — as long as the person "
        "stays recognisable.",
    ),
)


def strength_words(strength: int) -> str:
    """What the style strength asks of the model ('' at 41-60: the request as it always was)."""
    return next(words for top, words in STRENGTH_WORDS if strength <= top)


def references_for_strength(available: int, strength: int) -> int:
    """How many identity references to send: every one the model can take up to 50; above
    it fewer, down to one at 100 — a stronger style needs the identity held less tightly,
    and each reference pulls the picture back towards the photos."""
    if strength <= 50 or available <= 1:
        return available
    return max(1, math.ceil(available * (100 - strength) / 50))


# --- images -------------------------------------------------------------------------------


@dataclass
class Encoded:
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


class Images:
    """Encodes each image once per render."""

    def __init__(self):
        self._cache: dict[int, Encoded] = {}

    def get(self, image: Image.Image) -> Encoded:
        found = self._cache.get(id(image))
        if found is None:
            found = self._cache[id(image)] = Encoded(encode_image(image))
        return found


def image_part(encoded: Encoded):
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


def brief(request: RenderRequest, instruction: str) -> str:
    prompt = (request.style_prompt or f"A {request.style_slug} avatar.").strip()
    prompt = prompt.replace("{name}", request.profile.display_name or "the person")
    prompt = prompt.replace("{caption}", request.profile.caption or "")
    if request.source_is_version:
        text = f"Draw this person as an avatar. {STAND_IN_TEXT} Style: {prompt}"
    else:
        text = f"Turn this selfie into an avatar. Style: {prompt}"
    if instruction.strip():
        text += f"\n\nAlso: {instruction.strip()}"
    if request.kind != "edit" and strength_words(request.style_strength):
        text += "\n\n" + strength_words(request.style_strength)
    return text


# --- model content ------------------------------------------------------------------------


def is_image_part(part) -> bool:
    blob = part.inline_data
    return bool(blob and blob.data and (blob.mime_type or "").startswith("image/"))


def content_for_storage(content) -> dict:
    """The reply's Content as JSON, image bytes removed, with the image's position noted."""
    from google.genai import types

    parts = []
    marker = None
    for part in content.parts or []:
        if is_image_part(part):
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


def content_from_storage(stored: dict, image: Encoded | None):
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
        result.append(image_part(image))
    parts = result
    return types.Content(role="model", parts=parts), image is not None


def parts_aggregate(parts: list, new_parts) -> None:
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
