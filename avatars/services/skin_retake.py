"""The one-click retake of a version whose skin drifted beyond the tolerance (measured by
:mod:`avatars.services.skin`): a new edit of it, by its engine, whose instruction asks for the
photo's skin tone — words an engine that reads words (Gemini) gets in its request."""

from __future__ import annotations

from avatars.engines.base import EngineError, get_engine
from avatars.models import Turn
from avatars.services.turns import turn_request_edit
from pixme.errors import ApplicationError

# What a retake asks for, in words every engine that reads words (Gemini) gets in its
# request; the measured direction follows it.
SKIN_RETAKE_INSTRUCTION = (
    "Keep my skin tone exactly as in my photo: the same lightness, warmth and colour of the "
    "skin on my face, neck and hands, with everything else as it is."
)


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
