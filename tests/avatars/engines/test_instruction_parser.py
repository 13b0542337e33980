"""The studio's plain-language instruction parser: a table of phrasings, and no crashes ever."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avatars.engines.studio.edits.parser import COLOURS, EditOp, ParseError, parse

G = EditOp


ACCEPTED = [
    # glasses
    ("add glasses", [G("glasses", "round")]),
    ("add round glasses", [G("glasses", "round")]),
    ("Give me some spectacles please", [G("glasses", "round")]),
    ("put on square glasses", [G("glasses", "square")]),
    ("nerdy rectangular specs", [G("glasses", "square")]),
    ("add sunglasses", [G("glasses", "sunglasses")]),
    ("give her shades", [G("glasses", "sunglasses")]),
    ("dark glasses", [G("glasses", "sunglasses")]),
    # hats
    ("add a hat", [G("hat", "top-hat")]),
    ("put a top hat on me", [G("hat", "top-hat")]),
    ("add a baseball cap", [G("hat", "cap")]),
    ("wizard hat please", [G("hat", "wizard")]),
    ("put a crown on top of my head", [G("hat", "crown")]),
    ("add a tiara", [G("hat", "crown")]),
    # facial hair
    ("add a moustache", [G("facial-hair", "moustache")]),
    ("give me a mustache", [G("facial-hair", "moustache")]),
    ("add a beard", [G("facial-hair", "beard")]),
    ("grow a goatee", [G("facial-hair", "beard")]),
    # light
    ("make the lighting warmer", [G("light", "warmer")]),
    ("warmer", [G("light", "warmer")]),
    ("make it a bit cooler", [G("light", "cooler")]),
    ("colder light please", [G("light", "cooler")]),
    ("brighter", [G("light", "brighter")]),
    ("lighten it up", [G("light", "brighter")]),
    ("make it darker", [G("light", "darker")]),
    ("more contrast", [G("light", "contrast")]),
    ("make it punchier", [G("light", "contrast")]),
    # black and white
    ("black and white", [G("mono")]),
    ("make it B&W", [G("mono")]),
    ("greyscale please", [G("mono")]),
    ("monochrome", [G("mono")]),
    # backgrounds
    ("change the background to blue", [G("background", "blue", COLOURS["blue"])]),
    ("a pink backdrop", [G("background", "pink", COLOURS["pink"])]),
    ("background #336699", [G("background", "#336699", "#336699")]),
    ("put a sunset behind me", [G("background", "sunset")]),
    ("sunset background", [G("background", "sunset")]),
    ("put me in space", [G("background", "starfield")]),
    ("starfield background", [G("background", "starfield")]),
    ("yellow flowers in the background", [G("background", "flowers")]),
    # captions
    ('write "Ada" at the bottom', [G("caption", "bottom", "Ada")]),
    ("write 'Captain Ada' on top", [G("caption", "top", "Captain Ada")]),
    ("put my name at the bottom", [G("caption", "bottom", "Ada L.")]),
    ("add my caption", [G("caption", "bottom", "Ada L.")]),
    ("“Hello, world” at the top", [G("caption", "top", "Hello, world")]),
    # undo
    ("undo", [G("undo")]),
    ("Undo that", [G("undo")]),
    ("go back", [G("undo")]),
    # several asks in one sentence
    ("add a hat and make it warmer", [G("hat", "top-hat"), G("light", "warmer")]),
    (
        "add round glasses, a beard and a crown",
        [G("glasses", "round"), G("facial-hair", "beard"), G("hat", "crown")],
    ),
    (
        "sunglasses; starfield background",
        [G("glasses", "sunglasses"), G("background", "starfield")],
    ),
    ("make it black and white then add more contrast", [G("mono"), G("light", "contrast")]),
    (
        'add a wizard hat and write "Merlin, the Wise" at the top',
        [G("hat", "wizard"), G("caption", "top", "Merlin, the Wise")],
    ),
    ("brighter and cooler", [G("light", "brighter"), G("light", "cooler")]),
    ("add a cap plus a moustache", [G("hat", "cap"), G("facial-hair", "moustache")]),
    (
        "red background, then add glasses",
        [G("background", "red", COLOURS["red"]), G("glasses", "round")],
    ),
    # the last of two asks for the same accessory wins
    ("add a cap and then a crown", [G("hat", "crown")]),
    # colours, complaints turned around, and asks hidden inside one clause
    ("add a blue cap", [G("hat", "cap", COLOURS["blue"])]),
    ("add red glasses", [G("glasses", "round", COLOURS["red"])]),
    ("it's too dark", [G("light", "brighter")]),
    ("way too warm", [G("light", "cooler")]),
    ("less contrast", [G("light", "softer")]),
    ("lower the brightness", [G("light", "darker")]),
    ("golden hour lighting", [G("light", "warmer")]),
    ("add glasses but make it warmer", [G("glasses", "round"), G("light", "warmer")]),
    (
        "add sunglasses with a starfield background",
        [G("background", "starfield"), G("glasses", "sunglasses")],
    ),
    ("put a crown on me in front of a sunset", [G("background", "sunset"), G("hat", "crown")]),
    ('add a hat that says "Boss"', [G("caption", "bottom", "Boss"), G("hat", "top-hat")]),
    ("write Hello at the top", [G("caption", "top", "Hello")]),
    ("caption: Ada", [G("caption", "bottom", "Ada")]),
    ("write ‘Ada’", [G("caption", "bottom", "Ada")]),
    ("cool, add sunglasses", [G("glasses", "sunglasses")]),
    ("perfect, now add a hat", [G("hat", "top-hat")]),
    ("royal blue background", [G("background", "royal blue", "#1951ab")]),
    ("make the background black and white", [G("background", "black and white")]),
    ("change the background from blue to red", [G("background", "red", COLOURS["red"])]),
    ("background to #f00", [G("background", "#ff0000", "#ff0000")]),
    ("black-and-white", [G("mono")]),
    ("add a hat; keep the background", [G("hat", "top-hat")]),
    ("make it brighter, but not too bright", [G("light", "brighter")]),
    ("Undo.", [G("undo")]),
    ("can you undo that", [G("undo")]),
]

# (instruction, words the refusal must contain)
CAN_DO_LIST = ("can't", "glasses", "background")
NOT_DRAWN_OVER = ("can't remove", "undo")
REFUSED = [
    ("make me taller", CAN_DO_LIST),
    ("add a dragon", CAN_DO_LIST),
    ("make it look like a Renaissance painting", CAN_DO_LIST),
    ("add glasses and a unicorn", ("unicorn", *CAN_DO_LIST)),
    ("add a dragon with glasses", ("dragon", *CAN_DO_LIST)),
    ("add a pirate hat", ("pirate", *CAN_DO_LIST)),
    ("remove the glasses", NOT_DRAWN_OVER),
    ("no hat", NOT_DRAWN_OVER),
    ("don't add glasses", NOT_DRAWN_OVER),
    ("get rid of the hat", NOT_DRAWN_OVER),
    ("shave off the beard", NOT_DRAWN_OVER),
    ("undo the hat", NOT_DRAWN_OVER),
    ("replace the crown with a cap", NOT_DRAWN_OVER),
    ("make the glasses bigger", NOT_DRAWN_OVER),
    ('write "Ada" in the middle', ("top or the bottom",)),
    ("change the background", ("Which background",)),
    ("write something", ("What should I write",)),
    ("add glasses and undo", ("on its own",)),
    ("", ("Tell me what to change",)),
    ("   ", ("Tell me what to change",)),
    ("and, then;", ("Tell me what to change",)),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted_phrasings(text, expected):
    assert parse(text, default_caption="Ada L.") == expected


@pytest.mark.parametrize(("text", "says"), REFUSED)
def test_refused_phrasings_say_why_and_what_to_do(text, says):
    with pytest.raises(ParseError) as caught:
        parse(text, default_caption="" if text == "write something" else "Ada L.")
    message = caught.value.message
    assert message and "Traceback" not in message
    for words in says:
        assert words in message, message


def test_the_studio_never_draws_what_the_user_wanted_gone():
    # A removal or swap is refused as a whole, never answered with the thing named.
    for text in (
        "lose the hat",
        "take away the glasses",
        "swap the crown for a wizard hat",
        "change the cap to a top hat",
        "erase the moustache",
        "I said no glasses",
    ):
        with pytest.raises(ParseError, match="undo"):
            parse(text)


# Issue #25: the backgrounds the person mask makes possible. Taking the background away is the
# one removal the studio does; "transparent" is answered with plain white (versions carry no
# alpha), and a city is drawn.
BACKGROUNDS = [
    ("remove the background", [G("background", "removed")]),
    ("Remove background", [G("background", "removed")]),
    ("get rid of the background", [G("background", "removed")]),
    ("take the background away", [G("background", "removed")]),
    ("delete the bg", [G("background", "removed")]),
    ("no background please", [G("background", "removed")]),
    ("cut me out", [G("background", "removed")]),
    ("transparent background", [G("background", "transparent")]),
    ("make the background transparent", [G("background", "transparent")]),
    ("a see-through background", [G("background", "transparent")]),
    ("put me on a yellow background", [G("background", "yellow", COLOURS["yellow"])]),
    ("put me on a sunset background", [G("background", "sunset")]),
    ("put me on a city background", [G("background", "city")]),
    ("put me in front of a city skyline", [G("background", "city")]),
    (
        "remove the background and add sunglasses",
        [G("background", "removed"), G("glasses", "sunglasses")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), BACKGROUNDS)
def test_background_phrasings_the_person_mask_serves(text, expected):
    assert parse(text) == expected


def test_taking_the_background_away_does_not_open_the_door_to_other_removals():
    for text in ("remove the hat", "remove the glasses and the background", "no glasses"):
        with pytest.raises(ParseError, match="undo"):
            parse(text)


def test_quoted_captions_are_taken_literally():
    # Words inside quotes are the caption, not instructions.
    assert parse('write "no glasses, add a hat" at the top') == [
        G("caption", "top", "no glasses, add a hat")
    ]


def test_one_pass_readings_say_what_the_step_by_step_ones_said():
    """The steps rewritten to run in one pass (bench/parse.py): runs of spaces, every
    accessory word taken at once, "from … to", a swap's first verb, a run of "behind"s."""
    assert parse("add \t  round\t\tglasses") == [G("glasses", "round")]
    assert parse("add glasses " + "glasses " * 50) == [G("glasses", "round")]
    assert parse("change the background from blue from green to red") == [
        G("background", "red", COLOURS["red"])
    ]
    with pytest.raises(ParseError, match="undo"):
        parse("replace replace the hat with a crown")
    assert parse("a sunset behind behind") == [G("background", "sunset")]
    assert parse("a sunset behind background me") == [G("background", "sunset")]
    with pytest.raises(ParseError, match="“behind”"):
        parse("a sunset behind the hat, write Ada")  # "behind the hat" isn't the background


def test_the_table_is_big_enough():
    combined = [t for t, ops in ACCEPTED if len(ops) > 1]
    assert len(ACCEPTED) + len(REFUSED) >= 40
    assert len(combined) >= 6 and len(REFUSED) >= 8


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_no_instruction_crashes_the_parser(text):
    try:
        ops = parse(text, default_caption="Ada")
    except ParseError as refusal:
        assert refusal.message
    else:
        assert ops and all(isinstance(op, EditOp) for op in ops)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "add",
                "glasses",
                "hat",
                "and",
                "warmer",
                '"',
                "'",
                "“",
                "”",
                ",",
                "background",
                "blue",
                "no",
                "undo",
                "write",
                "top",
                "#12ab",
                " ",
                "\x00",
                "crown",
                "b&w",
            ]
        ),
        max_size=30,
    )
)
def test_no_mix_of_keywords_crashes_the_parser(words):
    with contextlib.suppress(ParseError):
        parse(" ".join(words))
