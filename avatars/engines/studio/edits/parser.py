"""Plain-language edit instructions → a list of :class:`EditOp` the studio can apply.

Written by hand rather than with a parsing library: the grammar is a handful of keywords per
edit, and what matters is the behaviour at the edges — several asks in one sentence all apply,
quoted captions are taken literally, and anything we don't understand is refused with a list
of what we *can* do (never a silent no-op, never a guess that does the opposite, such as
"remove the glasses" adding glasses).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from avatars.engines.base import BadRequest

CAN_DO = (
    "add glasses (round, square or sunglasses), a hat (top hat, cap, wizard hat or crown), "
    "a moustache or a beard; make it warmer, cooler, brighter, darker or more contrasty; "
    "make it black and white; change the background to a colour, a sunset, a starfield or "
    'yellow flowers; write a caption (write "Ada" at the bottom, or "add my caption"); '
    "or undo"
)


class ParseError(BadRequest):
    """An instruction (or part of one) the studio can't do; the message says what it can."""

    code = "bad_request"


@dataclass(frozen=True)
class EditOp:
    kind: str  # glasses, hat, facial-hair, light, mono, background, caption, undo
    variant: str = ""  # round / top-hat / beard / warmer / sunset / top …
    value: str = ""  # a colour "#rrggbb" for backgrounds, the text for captions


COLOURS = {
    "red": "#d62828",
    "orange": "#f77f00",
    "yellow": "#fcbf49",
    "gold": "#e0b030",
    "golden": "#e0b030",
    "green": "#2a9d4f",
    "lime": "#9ad62a",
    "teal": "#1f8a8a",
    "turquoise": "#30c5c0",
    "cyan": "#33c7e6",
    "blue": "#1d5fc9",
    "sky blue": "#7ec8f0",
    "light blue": "#9fd3f5",
    "navy": "#14213d",
    "purple": "#7b2cbf",
    "violet": "#8f5fd6",
    "lavender": "#c3b1e1",
    "pink": "#f28fb6",
    "hot pink": "#ff3c96",
    "magenta": "#d6249f",
    "brown": "#7a4a2a",
    "beige": "#e8d8b8",
    "cream": "#f4ecd6",
    "black": "#111111",
    "dark": "#1a1a22",
    "white": "#f7f7f7",
    "grey": "#8a8a8a",
    "gray": "#8a8a8a",
    "silver": "#c0c0c8",
    "mint": "#98e2c6",
    "peach": "#ffb38a",
    "coral": "#ff7366",
}

SCENES = {
    "sunset": ("sunset", "sundown", "dusk", "golden hour"),
    "starfield": ("starfield", "star field", "stars", "starry", "space", "night sky", "galaxy"),
    "flowers": ("flowers", "flower", "sunflowers", "daisies", "meadow", "flower field"),
}

_QUOTES = re.compile(r"\"([^\"]*)\"|“([^”]*)”|«([^»]*)»|(?:(?<=\s)|^)'([^']+)'(?=\s|$|[,.;!?])")
_SPLIT = re.compile(
    r"\s*(?:[,;.!?&+]|\band then\b|\bthen\b|\band also\b|\balso\b|\bplus\b|\band\b)\s*"
)
_NEGATION = re.compile(
    r"\b(no|not|don't|dont|do not|without|remove|take off|delete|less|lower|reduce|fewer)\b"
)
_FILLER = re.compile(
    r"\b(please|pls|can you|could you|would you|i want|i'd like|id like|let's|lets|"
    r"give me|give it|give|put|add|make|turn|change|set|use|it|me|my|the|a|an|some|"
    r"to|on|onto|with|in|into|of|bit|little|lot|more|much|very|way|too|pair|slightly|be|is)\b"
)


def _has(clause: str, *words: str) -> bool:
    return any(re.search(rf"\b{re.escape(w)}\b", clause) for w in words)


def _refuse(clause: str) -> ParseError:
    shown = clause.strip() or "that"
    return ParseError(f"The studio can't do “{shown}”. It can: {CAN_DO}.")


def _glasses(clause: str) -> EditOp | None:
    if not _has(
        clause,
        "glasses",
        "spectacles",
        "specs",
        "shades",
        "sunglasses",
        "sunnies",
        "eyeglasses",
        "sunglass",
        "aviators",
        "monocle",
    ):
        return None
    if _has(clause, "monocle"):
        return None
    if _has(clause, "sunglasses", "shades", "sunnies", "sunglass", "aviators", "dark", "sun"):
        return EditOp("glasses", "sunglasses")
    if _has(clause, "square", "rectangular", "rectangle", "boxy", "nerd", "nerdy", "hipster"):
        return EditOp("glasses", "square")
    return EditOp("glasses", "round")


def _hat(clause: str) -> EditOp | None:
    if _has(clause, "crown", "king", "queen", "royal", "tiara"):
        return EditOp("hat", "crown")
    if _has(clause, "wizard", "witch", "wizard's", "sorcerer", "pointy"):
        return EditOp("hat", "wizard")
    if _has(clause, "cap", "baseball", "snapback"):
        return EditOp("hat", "cap")
    if _has(clause, "top hat", "tophat", "top-hat", "hat", "topper", "stovepipe"):
        return EditOp("hat", "top-hat")
    return None


def _facial_hair(clause: str) -> EditOp | None:
    if _has(clause, "moustache", "mustache", "mustachio", "tache", "handlebar"):
        return EditOp("facial-hair", "moustache")
    if _has(clause, "beard", "goatee", "stubble", "bearded"):
        return EditOp("facial-hair", "beard")
    return None


def _light(clause: str) -> EditOp | None:
    if _has(clause, "warmer", "warm", "warmth", "cosier", "cozier", "golden light"):
        return EditOp("light", "warmer")
    if _has(clause, "cooler", "cool", "colder", "cold", "icy", "bluer", "blueish"):
        return EditOp("light", "cooler")
    if _has(clause, "brighter", "bright", "brighten", "lighter", "lighten", "sunnier"):
        return EditOp("light", "brighter")
    if _has(clause, "darker", "dark", "darken", "dimmer", "dim", "moodier", "moody"):
        return EditOp("light", "darker")
    if _has(clause, "contrast", "contrasty", "punchier", "punchy", "crisper", "vivid"):
        return EditOp("light", "contrast")
    return None


def _mono(clause: str) -> EditOp | None:
    if _has(
        clause,
        "monochrome",
        "greyscale",
        "grayscale",
        "grey scale",
        "gray scale",
        "b&w",
        "b/w",
        "bw",
        "desaturate",
        "desaturated",
        "colourless",
        "colorless",
        "black and white",
        "black white",
        "noir",
    ):
        return EditOp("mono")
    return None


def _colour(clause: str) -> tuple[str, str]:
    """(name, "#rrggbb") of the colour named in ``clause``, or ("", "")."""
    hex_match = re.search(r"#([0-9a-f]{6})\b", clause)
    if hex_match:
        return "#" + hex_match.group(1), "#" + hex_match.group(1)
    for name in sorted(COLOURS, key=len, reverse=True):
        if _has(clause, name):
            return name, COLOURS[name]
    return "", ""


def _scene(clause: str) -> str:
    for scene, words in SCENES.items():
        if _has(clause, *words):
            return scene
    return ""


def _background(clause: str) -> EditOp | None:
    scene = _scene(clause)
    named = _has(clause, "background", "backdrop", "bg", "behind", "setting", "scene")
    if scene and (named or not _has(clause, "glasses", "hat", "beard")):
        return EditOp("background", scene)
    if not named:
        return None
    name, colour = _colour(clause)
    if colour:
        return EditOp("background", name, colour)
    raise ParseError(
        "Which background? The studio can do a colour (“a blue background”), a sunset, "
        "a starfield or yellow flowers."
    )


def _caption(clause: str, quoted: list[str], default_caption: str) -> EditOp | None:
    marks = re.findall(r"\x00(\d+)\x00", clause)
    asks = _has(
        clause,
        "write",
        "caption",
        "letter",
        "lettering",
        "text",
        "title",
        "label",
        "name",
        "sign",
        "say",
        "says",
        "saying",
        "motto",
        "tagline",
    )
    if not marks and not asks:
        return None
    position = "top" if _has(clause, "top", "above", "header") else "bottom"
    if marks:
        text = " ".join(quoted[int(i)] for i in marks).strip()
    else:
        text = default_caption.strip()
        if not text:
            raise ParseError(
                'What should I write? Put it in quotes, like: write "Ada" at the bottom '
                "(or set a caption on your profile)."
            )
    if not text:
        raise ParseError('The caption is empty: put the words in quotes, like write "Ada".')
    return EditOp("caption", position, text)


def _undo(clause: str) -> bool:
    return bool(
        re.fullmatch(
            r"(please )?(undo|undo (that|this|it|the last (edit|change|one))|go back|"
            r"take (that|it) back|revert( that| it| the last (edit|change))?|"
            r"back to (the )?(previous|last) (one|version))( please)?",
            clause.strip(),
        )
    )


def parse(text: str, *, default_caption: str = "") -> list[EditOp]:
    """The edits asked for in ``text``, in order; raises :class:`ParseError` for anything
    the studio can't do (the whole instruction is refused, so nothing half-applies)."""
    if not isinstance(text, str):
        raise ParseError(f"Tell me what to change. The studio can: {CAN_DO}.")
    quoted: list[str] = []

    def stash(match: re.Match) -> str:
        quoted.append(next(g for g in match.groups() if g is not None))
        return f" \x00{len(quoted) - 1}\x00 "

    text = text.replace("\x00", " ")
    masked = _QUOTES.sub(stash, text).lower()
    masked = re.sub(r"\bblack\s*(and|&|n|'n')\s*white\b|\bb\s*[&/]\s*w\b", "monochrome", masked)
    masked = re.sub(r"\s+", " ", masked).strip()
    if not masked:
        raise ParseError(f"Tell me what to change. The studio can: {CAN_DO}.")
    if _undo(masked):
        return [EditOp("undo")]

    ops: list[EditOp] = []
    for clause in (c.strip() for c in _SPLIT.split(masked)):
        if not clause or not _FILLER.sub("", clause).strip(" -'\""):
            continue
        shown = re.sub(r"\x00(\d+)\x00", lambda m: f"“{quoted[int(m.group(1))]}”", clause)
        if _undo(clause):
            raise ParseError("Undo goes back one version on its own: send just “undo”.")
        if _NEGATION.search(clause):
            raise _refuse(shown)
        op = (
            _caption(clause, quoted, default_caption)
            or _glasses(clause)
            or _hat(clause)
            or _facial_hair(clause)
            or _mono(clause)
            or _background(clause)
            or _light(clause)
        )
        if op is None:
            raise _refuse(shown)
        ops.append(op)
    if not ops:
        raise ParseError(f"Tell me what to change. The studio can: {CAN_DO}.")
    # One of each accessory, background and caption: the last ask wins.
    single = {"glasses", "hat", "background", "caption", "mono"}
    kept: list[EditOp] = []
    for op in ops:
        if op.kind in single:
            kept = [
                k
                for k in kept
                if not (k.kind == op.kind and (op.kind != "caption" or k.variant == op.variant))
            ]
        elif op in kept:
            continue
        kept.append(op)
    return kept
