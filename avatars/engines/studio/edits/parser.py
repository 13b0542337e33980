"""Plain-language edit instructions → a list of :class:`EditOp` the studio can apply.

Written by hand rather than with a parsing library: the grammar is a handful of keywords per
edit, and what matters is the behaviour at the edges. The rules, in order:

* Words in quotes are a caption, never instructions.
* The sentence is cut into clauses at commas, "and", "then", "but"…; inside a clause every
  ask is found (the words it used are consumed), so "add sunglasses with a starfield
  background" is two edits and "dark glasses" is one.
* Anything left over that is not a filler word makes the studio refuse the whole instruction,
  naming the part it can't do and listing what it can: never a silent no-op, never half of
  an instruction.
* The studio only adds to a picture. Asks to remove, move, resize or swap something already
  drawn ("get rid of the hat", "make the glasses bigger", "replace the crown with a cap")
  are refused with a pointer to undo / "Edit from here" — never answered by drawing the very
  thing the user wanted gone.
* Complaints turn around: "too dark" brightens, "less contrast" softens.

The work grows with the length of the text, not its square (``bench/parse.py``): each clause
is read in a fixed number of passes, no pattern starts with a run of spaces that it would
scan again from each of its positions, and "every glasses" or "every background word" of a
clause is taken in one pass. The site also refuses an instruction over 500 characters before this
reads it (``avatars.services.limits``).

Over 400 lines on purpose: the rules above read as one piece, and splitting them would scatter
how one sentence is read across files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from avatars.engines.base import BadRequest

CAN_DO = (
    "add glasses (round, square or sunglasses), a hat (top hat, cap, wizard hat or crown, "
    "in a colour if you like), a moustache or a beard; make it warmer, cooler, brighter, "
    "darker, more or less contrasty; make it black and white; change the background to a "
    "colour, a sunset, a starfield, yellow flowers or a city, or take it away (plain white); "
    'write a caption (write "Ada" at the '
    'bottom, or "add my caption"); or undo'
)
NOT_DRAWN_OVER = (
    "The studio only adds to a picture: it can't remove, move, resize or swap something "
    "already drawn (“{shown}”). Use “undo”, or “Edit from here” on an earlier version, then "
    "ask for what you want."
)


class ParseError(BadRequest):
    """An instruction (or part of one) the studio can't do; the message says what it can."""

    code = "bad_request"


@dataclass(frozen=True)
class EditOp:
    kind: str  # glasses, hat, facial-hair, light, mono, background, caption, undo
    variant: str = ""  # round / top-hat / beard / warmer / sunset / top / a colour name …
    value: str = ""  # "#rrggbb" for a background or hat colour; the text of a caption


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
    "navy": "#14213d",
    "purple": "#7b2cbf",
    "violet": "#8f5fd6",
    "lavender": "#c3b1e1",
    "pink": "#f28fb6",
    "magenta": "#d6249f",
    "brown": "#7a4a2a",
    "beige": "#e8d8b8",
    "cream": "#f4ecd6",
    "black": "#111111",
    "white": "#f7f7f7",
    "grey": "#8a8a8a",
    "gray": "#8a8a8a",
    "silver": "#c0c0c8",
    "mint": "#98e2c6",
    "peach": "#ffb38a",
    "coral": "#ff7366",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A word before a colour that changes it: (multiply towards black, mix towards white).
SHADES = {
    "dark": (0.55, 0.0),
    "deep": (0.7, 0.0),
    "navy": (0.45, 0.0),
    "royal": (0.85, 0.0),
    "light": (1.0, 0.45),
    "pale": (1.0, 0.6),
    "pastel": (1.0, 0.5),
    "sky": (1.0, 0.4),
    "baby": (1.0, 0.5),
    "bright": (1.0, 0.1),
    "hot": (1.0, 0.05),
}

FILLER = _words(
    """
    a an the some any this that these those it its it's me my mine i i'm i'd we us our you your
    yours he him his she her hers they them their he's she's there here please pls plz thanks
    thank thx ok okay now just also then really so very quite bit little lot lots much more
    most slightly somewhat kinda kind sort of bit tad way too really can could would will
    should shall may might let let's lets want wanted like love need i'd id gimme give giving
    get make making made turn put putting add adding apply draw paint show use set wear wearing
    have has had do does be is are was were been being try go with on onto in into at to for
    from by of over up as look looks looking feel new nice cool great perfect awesome lovely
    good fine fun wow hmm hey yes yeah hi hello pair picture photo image pic avatar version one
    face head eyes everything whole overall lighting light tone tones colour color colours
    colors vibe mood scene setting style again instead also too please change changed replace
    swap switch exchange grow growing selfie portrait shot u ur that's there's here's what's
    oops sorry actually nevermind increase increased boost raise enhance bump sky
    """
)

_QUOTES = re.compile(
    r"\"([^\"\n]{0,200})\"|“([^”\n]{0,200})”|„([^“”\n]{0,200})[“”]|‘([^’\n]{0,200})’|"
    r"«([^»\n]{0,200})»|(?:(?<=\s)|^)'([^'\n]{1,200})'(?=\s|$|[,.;!?])"
)
_MARK = re.compile(r"\x00(\d+)\x00")
# No \s* around the separators: each clause is stripped anyway, and a leading \s* would scan
# a run of spaces again from each of its positions (quadratic in the run's length).
_SPLIT = re.compile(
    r"[,;!?&+\n]|\.(?!\w)|\band\s+then\b|\bthen\b|\band\s+also\b|\balso\b|\bplus\b"
    r"|\band\b|\bbut\b|\bwhile\b",
    re.IGNORECASE,
)
# Runs of spaces, tabs and the like (not newlines: they cut clauses) are one space.
_SPACES = re.compile(r"[^\S\n]+")
# Compounds with "and"/"&" in them: rewritten before the sentence is cut at "and".
_BLACK_AND_WHITE = re.compile(
    r"\bblack[\s-]*(?:and|&|n|'n')[\s-]*white\b|\bb\s*[&/]\s*w\b", re.IGNORECASE
)
_BACKGROUND_WORDS = r"(?:background|backdrop|bg)"
_NORMALISE = [
    # Taking the background away is the one removal the studio can do: said here, before
    # "remove" is read as "take something drawn away" (which it refuses).
    (
        r"\b(?:remove|removing|delete|erase|drop|ditch|lose|strip|cut\s+out|get\s+rid\s+of"
        r"|take\s+(?:away|out|off))\s+(?:the\s+|my\s+|this\s+|that\s+)?"
        + _BACKGROUND_WORDS
        + r"s?\b",
        " bgremoved ",
    ),
    (r"\b(?:no|without(?:\s+a|\s+the|\s+any)?)\s+" + _BACKGROUND_WORDS + r"\b", " bgremoved "),
    (r"\b" + _BACKGROUND_WORDS + r"\s+(?:removed|gone|off)\b", " bgremoved "),
    (r"\bcut\s+(?:me|us|him|her|them)\s+out\b", " bgremoved "),
    (
        r"\b(?:take|get|cut)\s+(?:the\s+|my\s+)?" + _BACKGROUND_WORDS + r"\s+(?:away|out|off)\b",
        " bgremoved ",
    ),
    (r"\bsee[\s-]*through\b", " transparent "),
    (r"\btop[\s-]?hats?\b", " tophat "),
    (r"\bbaseball\s+caps?\b", " cap "),
    (r"\bsun\s+glasses\b", " sunglasses "),
    (
        r"\b(?:night\s+sky|star\s*field|starry\s+sky|outer\s+space|in(?:to)?\s+space)\b",
        " starfield ",
    ),
    (r"\bgolden\s+hour\b", " warmer "),
    (r"\bin\s+front\s+of\b", " backdrop "),
    (r"\bwithout\s+(?:changing|touching)\b.*$", " "),
    (r"\beye\s*glasses\b", " glasses "),
    (r"\bgr[ae]y[\s-]*scale\b|\bbw\b", " monochrome "),
    (r"\bget\s+rid\s+of\b|\btake\s+(?:off|away|out)\b|\bshave\s+off\b", " remove "),
    (r"\bdon'?t\b|\bdo\s+not\b|\bdoesn'?t\b|\bnever\b", " not "),
    (r"\btone\s+down\b|\bnot\s+(?:so|as)\b|\bturn\s+down\b", " less "),
    (r"\bwizard'?s\b", " wizard "),
]

_UNDO_WORDS = _words(
    """
    undo that this it the last edit change one go back revert previous version take step my
    please can you could just now oops sorry nevermind actually
    """
)
_KEEP = re.compile(r"^(?:please\s+)?(?:keep|leave|preserve|not\s+(?:change|touch))\b")
_QUALIFIER = re.compile(r"^(?:but\s+)?not\s+(?:too|so|that)\b[\w\s']*$")
_REMOVE = re.compile(
    r"\b(?:no|not|without|remove|removing|lose|cancel|ditch|hide|erase|delete|drop|minus|"
    r"strip|undo|revert|shave)\b"
)
_INVERT = re.compile(r"\b(?:too|less|lower|reduce|reduced|decrease|fewer|softer)\b")
_MODIFY = re.compile(
    r"\b(?:bigger|smaller|larger|move|moved|resize|shift|higher|rotate|tilt|thicker|thinner|"
    r"wider|narrower|left|right|middle|centre|center|centered|side)\b"
)
_REPLACE_VERB = re.compile(r"\b(?:replace|swap|switch|change|turn|exchange)\b")
_REPLACE_BY = re.compile(r"\b(?:with|to|into|for|by)\b")
_ACCESSORY_WORDS = re.compile(
    r"\b(?:glasses|sunglasses|shades|specs|spectacles|hats?|tophat|caps?|crowns?|tiaras?|wizard|"
    r"moustache|mustache|beard|goatee)\b"
)
_BG_WORDS = r"\b(?:background|backgrounds|backdrop|bg)\b"
_BEHIND_ME = r"\s+(?:me|us|him|her|them|you|my\s+head)\b"
_BG = re.compile(rf"{_BG_WORDS}|\bbehind(?={_BEHIND_ME}|\s*$)")
# Every background word of a clause in one pass (see _take_all). "behind" is one only before
# "me" or at the end, which taking the words after it can make it: so a run of "behind"s and
# background words goes whole when what follows the run makes it the background, and only its
# background words go otherwise. Possessive: a run that doesn't is never scanned again.
_BG_RUN = re.compile(
    rf"\bbehind(?:\s+(?:behind\b|{_BG_WORDS}))*+(?P<ends>(?={_BEHIND_ME}|\s*$))?|{_BG_WORDS}"
)


def _bg_run(match: re.Match) -> str:
    if match.group("ends") is not None or not match.group(0).startswith("behind"):
        return " "
    return re.sub(_BG_WORDS, " ", match.group(0))


_POSITION = re.compile(
    r"\b(?:at|on|in|along|across|to)?\s*(?:the\s+)?(top|bottom|above|below|upper|lower|header|footer)\b"
)


def _shown(clause: str, quoted: list[str]) -> str:
    text = _MARK.sub(lambda m: f"“{quoted[int(m.group(1))]}”", clause).strip()
    return (text[:77] + "…") if len(text) > 80 else (text or "that")


def _refuse(part: str) -> ParseError:
    return ParseError(f"The studio can't do “{part}”. It can: {CAN_DO}.")


class _Clause:
    """One clause being consumed: ``take`` finds a pattern, removes it and returns the match."""

    def __init__(self, text: str):
        self.text = f" {text} "

    def has(self, pattern: str) -> bool:
        return re.search(pattern, self.text) is not None

    def take(self, pattern: str) -> re.Match | None:
        match = re.search(pattern, self.text)
        if match:
            self.cut(match)
        return match

    def cut(self, match: re.Match) -> None:
        self.text = self.text[: match.start()] + " " + self.text[match.end() :]

    def leftovers(self) -> list[str]:
        words = re.findall(r"[^\W_][\w'#-]*|[#][0-9a-f]+", _MARK.sub(" ", self.text))
        return [w for w in words if w not in FILLER and w.strip("'-") not in FILLER]


def _colour(clause: _Clause, near: int | None = None) -> tuple[str, str]:
    """Take the colour named in the clause (the one nearest ``near``): (name, "#rrggbb")."""
    hexes = list(re.finditer(r"#([0-9a-f]{6}|[0-9a-f]{3})\b", clause.text))
    names = "|".join(sorted(COLOURS, key=len, reverse=True))
    shades = "|".join(SHADES)
    words = list(re.finditer(rf"\b(?:({shades})\s+)?({names})\b|\b(navy)\b", clause.text))
    found = [(m.start(), "hex", m) for m in hexes] + [(m.start(), "word", m) for m in words]
    if not found:
        return "", ""
    _pos, kind, match = min(found, key=lambda f: abs(f[0] - near) if near is not None else f[0])
    clause.cut(match)
    if kind == "hex":
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return "#" + digits, "#" + digits
    shade, name = match.group(1), match.group(2) or match.group(3)
    rgb = [int(COLOURS[name][i : i + 2], 16) for i in (1, 3, 5)]
    if shade:
        mult, mix = SHADES[shade]
        rgb = [round((c * mult) * (1 - mix) + 255 * mix) for c in rgb]
    label = f"{shade} {name}" if shade else name
    return label, "#" + "".join(f"{c:02x}" for c in rgb)


_CAPTION_WORDS = (
    r"\b(?:write|writes|written|caption|captions|lettering|letter|text|title|label|sign|"
    r"says|say|saying|reads|motto|tagline|name)\b"
)


def _caption(c: _Clause, original: str, quoted: list[str], default: str) -> EditOp | None:
    marks = [int(i) for i in _MARK.findall(c.text)]
    if not marks and not c.has(_CAPTION_WORDS):
        return None
    position = "bottom"
    place = _POSITION.search(c.text)
    if place:
        position = "top" if place.group(1) in ("top", "above", "upper", "header") else "bottom"
        c.take(_POSITION.pattern)
    if marks:
        text = " ".join(quoted[i] for i in marks).strip()
        c.take(_CAPTION_WORDS)
        c.text = _MARK.sub(" ", c.text)
        if not text:
            raise ParseError('The caption is empty: put the words in quotes, like write "Ada".')
        return EditOp("caption", position, text)
    # Unquoted: the words after "says"/"write"/"caption:" are the caption, as typed.
    text = ""
    for lead in (
        r"\b(?:says|say|saying|reads|read)\b",
        r"\b(?:write|writes)\b",
        r"\b(?:caption|text|title|label)\s*[:=]",
    ):
        match = re.search(lead + r"\s*[:\-]?\s*(.*)$", original, re.IGNORECASE)
        if match:
            text = _POSITION_TAIL.sub("", match.group(1)).strip(" '\"‘’“”.:-")
            cut = re.search(lead, c.text)
            if cut:
                c.text = c.text[: cut.start()]
            break
    c.take(_CAPTION_WORDS)  # e.g. "caption" of "add a caption that says …"
    c.take(_CAPTION_WORDS)
    if text.lower() in _DEFAULT_WORDS or text.lower().startswith("my "):
        text = ""
    text = text or default.strip()
    if not text:
        raise ParseError(
            'What should I write? Put it in quotes, like: write "Ada" at the bottom '
            "(or set a caption on your profile)."
        )
    return EditOp("caption", position, text)


_POSITION_TAIL = re.compile(
    r"\s+(?:at|on|in|along|across|to)\s+(?:the\s+)?(?:top|bottom|upper|lower)\b.*$", re.IGNORECASE
)
_DEFAULT_WORDS = {
    "",
    "it",
    "name",
    "my name",
    "caption",
    "a caption",
    "the caption",
    "my caption",
    "something",
    "something nice",
    "a name",
    "the name",
    "motto",
    "my motto",
    "on it",
}


def _take_all(c: _Clause, pattern: str | re.Pattern, repl=" ") -> bool:
    """Take every match at once: one pass, where taking them one by one would search the
    clause again after each. The same result: a match starts and ends with a word character,
    so cutting one (for a space) never makes or breaks another (background words, which can,
    pass _BG_RUN)."""
    before = c.text
    c.text = re.sub(pattern, repl, c.text)
    return c.text != before


def _background(c: _Clause) -> EditOp | None:
    bg = c.has(_BG.pattern)
    scene = ""
    if c.take(r"\bbgremoved\b"):
        scene = "removed"
    elif c.take(r"\btransparent\b") or (bg and c.take(r"\bclear\b")):
        scene = "transparent"
    elif _take_all(c, r"\b(?:city|cities|cityscape|skyline|downtown|skyscrapers?)\b"):
        scene = "city"
    elif c.take(r"\b(?:sunsets?|sundown|dusk)\b"):
        scene = "sunset"
    elif c.take(r"\b(?:starfield|galaxy|galaxies)\b"):
        scene = "starfield"
    elif c.take(r"\bmeadow\b|\bfield\s+of\s+(?:yellow\s+)?flowers\b"):
        scene = "flowers"
    elif bg and c.take(r"\b(?:stars|starry|space|cosmos)\b"):
        scene = "starfield"
    elif bg and c.take(r"\b(?:yellow\s+)?(?:flowers?|sunflowers|daisies|blossoms?)\b"):
        scene = "flowers"
    if scene:
        _take_all(c, _BG_RUN, _bg_run)
        return EditOp("background", scene)
    if not bg:
        return None
    where = re.search(_BG.pattern, c.text).start()
    if c.take(r"\bmonochrome\b|\bdesaturated?\b|\bcolou?rless\b"):
        _take_all(c, _BG_RUN, _bg_run)
        return EditOp("background", "black and white")
    name, colour = _colour(c, near=where)
    if not colour and c.take(r"\b(?:dark|darker)\b"):
        name, colour = "dark", "#1a1a22"
    elif not colour and c.take(r"\b(?:light|lighter|bright|pale)\b"):
        name, colour = "light", "#eeeeee"
    _take_all(c, _BG_RUN, _bg_run)
    if colour:
        return EditOp("background", name, colour)
    raise ParseError(
        "Which background? The studio can do a colour (“a blue background”), a sunset, "
        "a starfield, yellow flowers or a city, or take it away (“remove the background”)."
    )


def _glasses(c: _Clause) -> EditOp | None:
    noun = c.take(r"\b(?:sunglasses|shades|sunnies|aviators|eyeglasses|glasses|spectacles|specs)\b")
    if not noun:
        return None
    _take_all(c, r"\b(?:sunglasses|eyeglasses|glasses|spectacles|specs)\b")
    dark = _take_all(c, r"\b(?:dark|tinted|mirrored|aviator)\b")
    square = _take_all(
        c, r"\b(?:square|rectangular|rectangle|boxy|nerdy?|hipster|geeky?|thick[\s-]rimmed)\b"
    )
    _take_all(c, r"\b(?:round|circular|round[\s-]rimmed|wire[\s-]rimmed|wire)\b")
    _name, frame = _colour(c, near=noun.start())  # "red glasses": the frame's colour
    if dark or noun.group(0) in ("sunglasses", "shades", "sunnies", "aviators"):
        return EditOp("glasses", "sunglasses", frame)
    return EditOp("glasses", "square" if square else "round", frame)


def _hat(c: _Clause) -> EditOp | None:
    kinds = [
        ("crown", r"\b(?:crowns?|tiaras?)\b"),
        ("wizard", r"\bwizard\b|\bwitch(?:'s|es)?\b|\bsorcerer\b"),
        ("cap", r"\b(?:caps?|snapbacks?)\b(?:\s*\(?baseball\)?)?"),
        ("top-hat", r"\b(?:tophat|hats?|toppers?|stovepipe)\b"),
    ]
    c.take(r"\bon\s+(?:the\s+)?top\s+of\b")
    for variant, pattern in kinds:
        match = c.take(pattern)
        if match:
            c.take(r"\bhats?\b")
            _name, colour = _colour(c, near=match.start())
            return EditOp("hat", variant, colour)
    return None


def _facial_hair(c: _Clause) -> EditOp | None:
    if _take_all(c, r"\b(?:moustaches?|mustaches?|mustachio|tache|handlebar)\b"):
        return EditOp("facial-hair", "moustache")
    if _take_all(c, r"\b(?:beards?|goatee|stubble|bearded)\b"):
        return EditOp("facial-hair", "beard")
    return None


def _mono(c: _Clause) -> EditOp | None:
    if c.take(r"\bmonochrome\b|\bgr[ae]y\s*scale\b|\bdesaturated?\b|\bcolou?rless\b|\bnoir\b"):
        return EditOp("mono")
    return None


LIGHTS = [
    ("warmer", r"\b(?:warmer|warm|warmth|warmed|cosier|cozier|golden)\b"),
    (
        "cooler",
        r"\b(?:cooler|colder|cold|icy|bluer|blueish|cool(?=\s+(?:tones?|light|lighting|colou?rs?|down|it)))\b",
    ),
    ("brighter", r"\b(?:brighter|bright|brighten|brightness|lighter|lighten|sunnier)\b"),
    ("darker", r"\b(?:darker|dark|darken|darkness|dimmer|dim|moodier|moody|gloomier)\b"),
    ("contrast", r"\b(?:contrast|contrasty|punchier|punchy|crisper|crisp)\b"),
    ("softer", r"\b(?:softer|soft|flatter|muted)\b"),
]
OPPOSITE = {
    "warmer": "cooler",
    "cooler": "warmer",
    "brighter": "darker",
    "darker": "brighter",
    "contrast": "softer",
    "softer": "contrast",
}


def _lights(c: _Clause, invert: bool) -> list[EditOp]:
    ops = []
    for variant, pattern in LIGHTS:
        if c.take(pattern):
            ops.append(EditOp("light", OPPOSITE[variant] if invert else variant))
    return ops


def _is_undo(text: str) -> bool:
    words = re.findall(r"[a-z']+", text.lower())
    return (
        bool(words) and set(words) <= _UNDO_WORDS and bool({"undo", "revert", "back"} & set(words))
    )


_FROM = re.compile(r"\bfrom\b")
_TO = re.compile(r"\bto\b")


def _from_to(text: str) -> str:
    """Each "from … to" as " to " (as ``re.sub(r"\bfrom\b.*?\bto\b", " to ", text)``), in one
    pass: once a "from" has no "to" after it, no later one has, so the search stops there
    instead of trying every later "from" to the end again."""
    out, at = [], 0
    while (start := _FROM.search(text, at)) and (end := _TO.search(text, start.end())):
        out += [text[at : start.start()], " to "]
        at = end.end()
    return "".join(out) + text[at:]


def _replaced(text: str) -> str | None:
    """What is being swapped out in "replace the crown with a cap" (the words between the
    verb and "with"/"to"/…), or None. The first verb decides: a later one has no connector
    after it if the first has none."""
    verb = _REPLACE_VERB.search(text)
    by = verb and _REPLACE_BY.search(text, verb.end())
    return text[verb.end() : by.start()] if by else None


def _clause_ops(original: str, quoted: list[str], default_caption: str) -> list[EditOp]:
    lowered = original.lower()
    for pattern, replacement in _NORMALISE:
        lowered = re.sub(pattern, replacement, lowered)
    lowered = re.sub(r"\s+", " ", lowered).strip()
    shown = _shown(original, quoted)
    if not lowered or _KEEP.search(lowered) or _QUALIFIER.search(lowered):
        # "keep the background", "but not too much": nothing to do, nothing we'd change.
        return []
    if _is_undo(lowered):
        raise ParseError("Undo goes back one version on its own: send just “undo”.")
    marked = _MARK.sub(" ", lowered)
    has_quote = "\x00" in lowered
    lowered = _from_to(lowered)  # "from blue to red" → "to red"
    swapped = _replaced(_MARK.sub(" ", lowered))
    if swapped and _ACCESSORY_WORDS.search(swapped):
        raise ParseError(NOT_DRAWN_OVER.format(shown=shown))
    if _REMOVE.search(marked):
        raise ParseError(NOT_DRAWN_OVER.format(shown=shown))
    if _MODIFY.search(marked) and (
        _ACCESSORY_WORDS.search(marked)
        or has_quote
        or re.search(r"\b(?:caption|text|name|title)\b", marked)
    ):
        raise ParseError(
            NOT_DRAWN_OVER.format(shown=shown) + " Captions go at the top or the bottom."
        )
    invert = bool(_INVERT.search(marked))
    c = _Clause(lowered)
    if invert:
        c.take(_INVERT.pattern)
    ops: list[EditOp] = []
    caption = _caption(c, original, quoted, default_caption)
    if caption:
        ops.append(caption)
    for find in (_background, _mono, _glasses, _hat, _facial_hair):
        op = find(c)
        if op:
            ops.append(op)
    lights = _lights(c, invert)
    if invert and (ops or not lights):
        raise _refuse(shown)
    ops.extend(lights)
    left = c.leftovers()
    if left:
        if ops:
            raise ParseError(
                f"The studio can't do “{' '.join(left)[:60]}” (in “{shown}”). It can: {CAN_DO}."
            )
        raise _refuse(shown)
    return ops


def parse(text: str, *, default_caption: str = "") -> list[EditOp]:
    """The edits asked for in ``text``, in order; raises :class:`ParseError` for anything
    the studio can't do (the whole instruction is refused, so nothing half-applies)."""
    if not isinstance(text, str) or not text.strip(" \t\r\n.,;:!?&+-"):
        raise ParseError(f"Tell me what to change. The studio can: {CAN_DO}.")
    quoted: list[str] = []

    def stash(match: re.Match) -> str:
        quoted.append(next(g for g in match.groups() if g is not None).strip())
        return f" \x00{len(quoted) - 1}\x00 "

    masked = _QUOTES.sub(stash, text.replace("\x00", " "))
    masked = _SPACES.sub(" ", masked)
    masked = _BLACK_AND_WHITE.sub(" monochrome ", masked)
    if _is_undo(masked):
        return [EditOp("undo")]
    ops: list[EditOp] = []
    for clause in _SPLIT.split(masked):
        ops.extend(_clause_ops(clause.strip(), quoted, default_caption))
    if not ops:
        raise ParseError(f"Tell me what to change. The studio can: {CAN_DO}.")
    # One of each accessory, background, caption position and black-and-white: the last wins.
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
