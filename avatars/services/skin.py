"""Skin tone kept: each version's skin measured against the photo's (avatars.skin), after it
is shown (its after-work, beside the likeness), and the one-click retake that asks for the
photo's skin tone back when a version drifted beyond the tolerance."""

from __future__ import annotations

from PIL import Image

from avatars import images
from avatars.engines.base import EngineError, get_engine
from avatars.faces import FaceAnalysis
from avatars.models import Avatar, Turn
from avatars.services.likeness import version_faces
from avatars.services.turns import turn_request_edit
from avatars.skin import SkinCheck, skin_compare
from pixme.errors import ApplicationError

# What a retake asks for, in words every engine that reads words (Gemini) gets in its
# request; the measured direction follows it.
SKIN_RETAKE_INSTRUCTION = (
    "Keep my skin tone exactly as in my photo: the same lightness, warmth and colour of the "
    "skin on my face, neck and hands, with everything else as it is."
)


def turn_skin_measure(*, turn: Turn, image: Image.Image) -> SkinCheck | None:
    """Measure the version's skin against the photo's and keep it on the version (None: no
    face in either to measure, and nothing is kept). Call after its likeness, which finds
    the version's faces."""
    avatar: Avatar = turn.avatar
    found = version_faces(turn)
    if not avatar.source or not avatar.source_faces or found is None or found.face is None:
        return None
    photo_faces = FaceAnalysis.from_dict(avatar.source_faces)
    with avatar.source.open("rb") as fh:
        photo = images.open_stored(fh.read())
    if photo_faces.face is None:
        return None
    if (photo_faces.width, photo_faces.height) != photo.size:
        photo_faces = photo_faces.scaled_to(*photo.size)
    if (found.width, found.height) != image.size:
        found = found.scaled_to(*image.size)
    check = skin_compare(
        photo=photo,
        photo_face=photo_faces.face,
        version=image,
        version_face=found.face,
        style_slug=avatar.style.recipe,
    )
    if check is None:
        return None
    kept = Turn.objects.filter(pk=turn.pk).exclude(image="").update(skin_tone=check.to_dict())
    if not kept:  # removed by a moderator, or deleted, while it was measured
        return None
    turn.skin_tone = check.to_dict()
    return check


def skin_retake_instruction(*, turn: Turn) -> str:
    """The retake's instruction: the photo's skin tone asked for, and which way it drifted."""
    drifted = (turn.skin_tone or {}).get("direction") or []
    if not drifted:
        return SKIN_RETAKE_INSTRUCTION
    return (
        f"{SKIN_RETAKE_INSTRUCTION} The last picture made my skin "
        f"{' and '.join(drifted[:2])} than in my photo: undo that."
    )


def turn_skin_retake_offered(*, turn: Turn) -> bool:
    """Whether a page offers the retake: the note is shown (drifted, not exempt) and the
    version's engine takes the words (Gemini does; the studio's edits are its own phrases)."""
    skin = turn.skin_tone or {}
    if not skin or skin.get("within", True) or skin.get("exempt", False):
        return False
    try:
        get_engine(turn.engine).edit_check(skin_retake_instruction(turn=turn))
    except (EngineError, KeyError):
        return False
    return True


def turn_skin_retake(*, turn: Turn) -> Turn:
    """Queue a new version of ``turn`` asking for the photo's skin tone: an edit of it, by its
    engine, at its style strength. Only for a version whose skin drifted beyond the tolerance
    in a style that keeps natural colour."""
    skin = turn.skin_tone or {}
    if not skin or skin.get("within", True) or skin.get("exempt", False):
        raise ApplicationError(
            "This version's skin tone is already yours: there is nothing to retake.",
            code="not_drifted",
        )
    return turn_request_edit(
        avatar=turn.avatar,
        instruction=skin_retake_instruction(turn=turn),
        parent=turn,
        engine=turn.engine,
    )
