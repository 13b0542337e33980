"""The offline ``studio`` engine: OpenCV, Pillow and numpy on the CPU, no network, no weights
beyond the face and person models that ship in installed packages (dlib's, MediaPipe's).
Deterministic: the same photo, style and instruction give the same pixels.

Generation runs the style's module (see :mod:`.registry`) at the output size the user asked
for (:mod:`.sizes`: 1K by default), not at the selfie's stored size; an edit is parsed from
plain language and applied by :mod:`.edits` at the size of the version it edits.
"""

from __future__ import annotations

from PIL import Image

from avatars import person as people
from avatars.engines.base import (
    BadRequest,
    Engine,
    Progress,
    RenderRequest,
    RenderResult,
    no_progress,
    style_strength_check,
)
from avatars.faces import Face, FaceAnalysis, analyse
from avatars.person import PersonMask

from .common import StyleContext, hex_to_rgb
from .registry import STYLES
from .sizes import IMAGE_SIZES, fit_to_side, output_side

ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9")
# Each take's framing: the share of each side kept around the face. The first take keeps the
# whole picture, as a single create always has; later ones move in closer (or keep it all and
# differ by the style's own parameters alone, see StyleContext.take).
FRAMING = (1.0, 0.82, 1.0, 0.68)


class StudioEngine(Engine):
    slug = "studio"
    label = "Studio (offline)"

    def supports_style(self, style_slug: str) -> bool:
        return style_slug in STYLES

    def models(self) -> list[str]:
        return ["studio"]

    def capabilities(self, model: str = "") -> dict:
        return {
            "aspect_ratios": list(ASPECT_RATIOS),
            "image_sizes": list(IMAGE_SIZES),
            "references": 0,  # it draws from the selfie alone
        }

    def edit_check(self, instruction: str, *, caption: str = "") -> None:
        from .edits import parse

        parse(instruction, default_caption=caption)  # its ParseError says what it can do

    def render(self, request: RenderRequest, progress: Progress = no_progress) -> RenderResult:
        if request.kind == "edit":
            from .edits import edit

            return edit(request, progress)
        return self._generate(request, progress)

    def _generate(self, request: RenderRequest, progress: Progress) -> RenderResult:
        if request.style_slug not in STYLES:
            raise BadRequest(f"The studio can't draw the style {request.style_slug!r} yet.")
        name, style = STYLES[request.style_slug]
        strength = style_strength_check(request.style_strength)
        side = output_side(request.image_size)
        progress("decode", 5, "Reading your photo")
        image = request.source.convert("RGB")
        progress("detect", 10, "Looking for your face")
        faces = request.faces
        if faces is None:
            faces = analyse(image, with_embedding=False)
        elif (faces.width, faces.height) != image.size:
            faces = faces.scaled_to(*image.size)
        progress("detect", 18, faces.note or "Found your face")
        person = request.person if request.person is not None else people.find(image)
        if request.aspect_ratio:
            image, faces, person = crop_to_ratio(image, faces, request.aspect_ratio, person)
        image, faces, person = frame_take(
            image, faces, FRAMING[request.variant % len(FRAMING)], side, person
        )
        palette = tuple(hex_to_rgb(c) for c in request.profile.palette)

        def step(percent: int, message: str) -> None:
            progress("stylise", 20 + round(percent * 0.65), message)

        progress("stylise", 20, f"Drawing you in {name}")
        ctx = StyleContext(
            faces=faces,
            palette=palette,
            step=step,
            variant=request.variant,
            person=person,
            strength=strength,
        )
        out = style(image, ctx)
        text = f"Drew you in {name} style."
        caption = request.profile.caption.strip()
        if caption:
            from .lettering import letter_caption

            progress("letter", 88, f"Lettering “{caption}”")
            out = letter_caption(out, caption, palette=request.profile.palette)
            text += f" Lettered “{caption}” at the bottom."
        if faces.note:
            text += " " + faces.note
        progress("encode", 94, "Finishing")
        return RenderResult(image=out, text=text, model="studio")


def parse_ratio(ratio: str) -> float:
    try:
        w, h = (float(part) for part in ratio.split(":"))
        if w <= 0 or h <= 0:
            raise ValueError
    except ValueError:
        raise BadRequest(f"{ratio!r} isn't an aspect ratio like 1:1 or 3:4.") from None
    return w / h


Framed = tuple[Image.Image, FaceAnalysis, PersonMask | None]


def crop_to_ratio(
    image: Image.Image, faces: FaceAnalysis, ratio: str, person: PersonMask | None = None
) -> Framed:
    """Crop to ``ratio`` (width:height) keeping the face as central as the photo allows; the
    faces and the person mask (if any) follow the crop."""
    target = parse_ratio(ratio)
    w, h = image.size
    if abs(w / h - target) < 0.01:
        return image, faces, person
    if w / h > target:
        cw, ch = round(h * target), h
    else:
        cw, ch = w, round(w / target)
    return crop_around_face(image, faces, cw, ch, person)


def crop_around_face(
    image: Image.Image, faces: FaceAnalysis, cw: int, ch: int, person: PersonMask | None = None
) -> Framed:
    """A ``cw`` × ``ch`` crop with the face as central as the photo allows."""
    w, h = image.size
    cx, cy = faces.face.center if faces.face else (w / 2, h / 2)
    left = int(min(max(0, cx - cw / 2), w - cw))
    top = int(min(max(0, cy - ch / 2), h - ch))
    box = (left, top, left + cw, top + ch)
    cropped = image.crop(box)
    moved = tuple(
        Face(
            box=(f.box[0] - left, f.box[1] - top, f.box[2] - left, f.box[3] - top),
            landmarks=tuple((x - left, y - top) for x, y in f.landmarks),
            score=f.score,
        )
        for f in faces.faces
    )
    if person is not None:
        person = person.cropped(box, image.size)
    return cropped, FaceAnalysis(cw, ch, moved, faces.embedding), person


def frame_take(
    image: Image.Image,
    faces: FaceAnalysis,
    keep: float,
    side: int,
    person: PersonMask | None = None,
) -> Framed:
    """``image`` fitted to ``side``, keeping ``keep`` of each side around the face (1: all
    of it). A closer framing is cropped from the full-size photo, for its detail, and comes
    out the size the whole picture would have: every take of a create is the same size."""
    # A person mask is the same at any size: only crops change it.
    if keep >= 1:
        return (*fit_to_side(image, faces, side), person)
    whole = image.size
    scale = min(1.0, side / max(whole))
    size = (max(1, round(whole[0] * scale)), max(1, round(whole[1] * scale)))
    image, faces, person = crop_around_face(
        image, faces, max(1, round(whole[0] * keep)), max(1, round(whole[1] * keep)), person
    )
    image, faces = fit_to_side(image, faces, side)
    if image.size != size:
        image = image.resize(size, Image.Resampling.BICUBIC)
        faces = faces.scaled_to(*size)
    return image, faces, person
