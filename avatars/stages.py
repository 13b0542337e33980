"""Stage codes in the words a person reads.

Engines report short codes (``detect``, ``stylise``, …; see :mod:`avatars.engines.base`) and
the database, the events and the API keep them; pages show these words instead, the same
in the progress card and in the timeline.
"""

from __future__ import annotations

STAGE_WORDS: dict[str, str] = {
    "queued": "Starting",  # claimed by a job, before the engine's first report
    "faces": "Finding your face",
    "decode": "Reading your photo",
    "detect": "Finding your face",
    "stylise": "Inking",
    "letter": "Lettering",
    "encode": "Saving",
    "sending": "Sending",
    "drawing": "Drawing",
    "received": "Finishing",
    "done": "Done",
}

# What a turn that isn't running says, whatever stage it last reached.
STATUS_WORDS: dict[str, str] = {
    "queued": "Waiting",
    "succeeded": "Done",
    "failed": "Didn't work",
    "cancelled": "Cancelled",
}


def stage_words(*, stage: str, status: str = "running") -> str:
    """The words for a turn at ``stage`` with ``status``; an unknown code reads as "Drawing"."""
    if status != "running":
        return STATUS_WORDS.get(status, "Drawing")
    return STAGE_WORDS.get(stage, "Drawing")
