"""Studio edits: plain-language instructions applied to the version being edited.

``edit(request, progress)`` parses the instruction (:mod:`.parser`), finds the face in the
version being edited (falling back to the selfie's cached faces when a style hides it) and,
for a background, the person (the version's kept mask, or the model's answer now), applies
each ask in a fixed, sensible order — background first so hats and glasses go over the new
scene, light and colour after the accessories so a warmer picture warms the hat too, the
caption last so it stays legible — and says what it did in one sentence.
"""

from __future__ import annotations

from avatars import person as people
from avatars.engines.base import BadRequest, NoPerson, Progress, RenderRequest, RenderResult
from avatars.faces import FaceAnalysis, analyse
from avatars.person import PersonMask

from ..common import hex_to_rgb, to_array, to_image
from ..lettering import fitted_caption, letter_caption
from ..sizes import fit_to_side, output_side
from . import accessories, background, lighting
from .parser import EditOp, ParseError, parse

__all__ = ["EditOp", "ParseError", "edit", "parse"]

ORDER = ["background", "facial-hair", "glasses", "hat", "light", "mono", "caption"]
FACE_KINDS = {"facial-hair", "glasses", "hat"}
NAMES = {
    "round": "round glasses",
    "square": "square glasses",
    "sunglasses": "sunglasses",
    "top-hat": "a top hat",
    "cap": "a cap",
    "wizard": "a wizard hat",
    "crown": "a crown",
    "moustache": "a moustache",
    "beard": "a beard",
}


def _faces_for(image, request: RenderRequest) -> FaceAnalysis:
    known = request.base_faces
    if known is not None and (known.width, known.height) == image.size:
        found = known  # found in this very picture when its likeness was measured
    else:
        found = analyse(image, with_embedding=False)
    if found.faces:
        return found
    cached = request.faces
    if (
        cached
        and cached.faces
        and abs(cached.width / cached.height - image.width / image.height) < 0.01
    ):
        # The style hid the face from the detector (pixel art, neon): the selfie's own
        # landmarks, scaled, still say where it is.
        return cached.scaled_to(*image.size)
    return found


def _person_for(image, request: RenderRequest) -> PersonMask:
    known = request.base_person
    if known is not None and (known.width, known.height) == image.size:
        return known  # found in this very picture after it was shown
    if request.base_image is None and request.person is not None:
        return request.person  # the selfie itself, at the output size
    return people.find(image)


def _undo(request: RenderRequest, progress: Progress) -> RenderResult:
    earlier = [item for item in request.history if item.image is not None]
    if len(earlier) < 2:
        raise BadRequest("There's nothing earlier to undo to.")
    progress("decode", 50, "Going back one version")
    undone = request.history[-1].instruction.strip()
    text = f"Undid “{undone}”." if undone else "Went back one version."
    return RenderResult(image=earlier[-2].image.convert("RGB").copy(), text=text, model="studio")


def edit(request: RenderRequest, progress: Progress) -> RenderResult:
    default_caption = request.profile.caption or request.profile.display_name
    ops = parse(request.instruction, default_caption=default_caption)
    if ops[0].kind == "undo":
        return _undo(request, progress)
    progress("decode", 5, "Reading the version you're editing")
    # An edit keeps the size of the version it edits; with none, the selfie at the output size.
    if request.base_image is not None:
        base = request.base_image.convert("RGB")
    else:
        base, _ = fit_to_side(request.source.convert("RGB"), None, output_side(request.image_size))
    faces = None
    if any(op.kind in FACE_KINDS or op.kind == "background" for op in ops):
        progress("detect", 15, "Finding your face")
        faces = _faces_for(base, request)
        if not faces.faces and any(op.kind in FACE_KINDS for op in ops):
            wanted = next(NAMES.get(op.variant, op.kind) for op in ops if op.kind in FACE_KINDS)
            raise BadRequest(
                f"We couldn't find a face in this version to put {wanted} on. "
                "Try editing an earlier version where the face shows clearly."
            )
    alpha = None
    if any(op.kind == "background" for op in ops):
        progress("detect", 17, "Finding you in the picture")
        person = _person_for(base, request)
        # The model takes any figure in front of a plain ground for a person (a cat, a cup):
        # a face, found in this picture or kept from the selfie, says somebody is there.
        if not person.found or not faces.faces:
            # Guessing could paint over the person: say so, and change nothing.
            raise NoPerson(
                "We couldn't find a person in this picture, so we can't tell you from the "
                "background; it's unchanged. Try a version where you show clearly."
            )
        alpha = person.alpha(base)
    accent = hex_to_rgb(request.profile.palette[0]) if request.profile.palette else None

    ops = sorted(ops, key=lambda op: ORDER.index(op.kind))
    rgb = to_array(base)
    done: list[str] = []
    for i, op in enumerate(ops):
        percent = 20 + round(65 * i / len(ops))
        if op.kind == "caption":
            progress("letter", max(percent, 86), f"Lettering “{op.value}”")
            rgb = to_array(
                letter_caption(
                    to_image(rgb), op.value, position=op.variant, palette=request.profile.palette
                )
            )
            done.append(f"lettered “{fitted_caption(op.value)}” at the {op.variant}")
            continue
        progress("stylise", percent, _describe(op).capitalize())
        if op.kind == "background":
            try:
                rgb = background.replace_background(rgb, alpha, op.variant, op.value)
            except background.NoSeparation as exc:
                if exc.share < 0.5:
                    raise NoPerson(
                        "You're too small in this picture to keep in front of a new "
                        "background, so we left it alone. Try a closer version."
                    ) from None
                raise BadRequest(
                    "You fill almost all of this picture: there's too little background to "
                    "change, so we left it alone. Try a version with more room around you."
                ) from None
        elif op.kind == "glasses":
            frame = hex_to_rgb(op.value) if op.value else None
            rgb = accessories.glasses(rgb, faces.faces, op.variant, frame)
        elif op.kind == "hat":
            colour = hex_to_rgb(op.value) if op.value else None
            try:
                rgb = accessories.hat(rgb, faces.faces, op.variant, accent, colour)
            except accessories.NoRoom:
                raise BadRequest(
                    f"There's no room above the head for {NAMES[op.variant]} in this picture. "
                    "Try a photo with more space above you, or glasses instead."
                ) from None
        elif op.kind == "facial-hair":
            rgb = accessories.facial_hair(rgb, faces.faces, op.variant)
        elif op.kind == "light":
            rgb = lighting.LIGHT[op.variant][0](rgb)
        elif op.kind == "mono":
            rgb = lighting.mono(rgb)
        done.append(_describe(op))
    progress("encode", 95, "Finishing")
    text = "; ".join(done)
    text = text[0].upper() + text[1:] + "."
    return RenderResult(image=to_image(rgb), text=text, model="studio")


def _describe(op: EditOp) -> str:
    if op.kind in FACE_KINDS:
        return f"added {NAMES.get(op.variant, op.variant)}"
    if op.kind == "light":
        return lighting.LIGHT[op.variant][1]
    if op.kind == "mono":
        return "made it black and white"
    if op.kind == "background":
        return background.DESCRIBE.get(op.variant, f"made the background {op.variant}")
    return op.kind
