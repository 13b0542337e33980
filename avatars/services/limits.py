"""Fair use: how much one user may have the drawing desks doing at once.

Each render costs real CPU (studio) or money (Gemini), so one user flooding must not starve
everyone else. The daily quota of paid engines lives with the turns (``turn_quota_check``);
this is the cap on *unfinished* versions — queued or drawing — per user, for every engine,
and on how long an instruction may be. How often work may be asked for is the rate limits'
business (``pixme.api.throttles``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from accounts.models import User
from accounts.services import user_suspension_check
from avatars.engines.base import STYLE_STRENGTH_MAX, STYLE_STRENGTH_MIN
from avatars.models import Turn
from pixme.errors import ApplicationError
from pixme.numbers import parse_int

# An edit is a sentence or two ("add round glasses and a starfield background" is 45
# characters); the forms, the API and the services all refuse longer before anything reads it.
INSTRUCTION_MAX_LENGTH = 500
INSTRUCTION_TOO_LONG = (
    f"That's more than {INSTRUCTION_MAX_LENGTH} characters: ask for one or two things at a "
    "time, in a sentence or two."
)


def style_strength_check(*, style_strength: object) -> int:
    """A style strength from anywhere (form, API, CLI) as a whole number 0-100, or the app's
    one error (code ``invalid``) saying what it may be."""
    return parse_int(
        style_strength,
        low=STYLE_STRENGTH_MIN,
        high=STYLE_STRENGTH_MAX,
        name="The style strength (0 more like your photo, 100 more style)",
    )


# A studio version takes about a second; tell a client to look again after a few.
BUSY_RETRY_AFTER_SECONDS = 5
BUSY_MESSAGE = (
    "You already have {count} being drawn. Please wait for your running avatars to finish, "
    "then try again."
)


TAKES_MESSAGE = (
    "This site draws at most {cap} of your versions at once, so ask for {cap} takes or fewer."
)
TAKES_BUSY_MESSAGE = (
    "You already have {count} being drawn, and this site draws at most {cap} of your versions "
    "at once. Please wait for them to finish, or ask for fewer takes."
)


def user_unfinished_check(*, user: User, adding: int = 1, reading: int = 0) -> None:
    """Refuse ``adding`` new renders (several takes of one create, or one) when they would
    pass PIXME_MAX_UNFINISHED_PER_USER unfinished ones: the cap counts drawings, not requests.
    ``reading`` more are on their way (creates still reading their photo).

    Callers that write hold a lock that serialises a user's requests (the user's row) and
    call this inside the transaction, so two requests at once cannot both slip under the cap.
    """
    cap = settings.PIXME_MAX_UNFINISHED_PER_USER
    if cap <= 0:
        return
    if adding > cap:  # waiting would not help: say what would
        raise ApplicationError(TAKES_MESSAGE.format(cap=cap), code="bad_option")
    unfinished = reading + (
        Turn.objects.filter(
            avatar__owner=user, status__in=[Turn.Status.QUEUED, Turn.Status.RUNNING]
        ).count()
    )
    if unfinished + adding > cap:
        count = "1 avatar" if unfinished == 1 else f"{unfinished} avatars"
        message = BUSY_MESSAGE if adding == 1 else TAKES_BUSY_MESSAGE
        raise ApplicationError(
            message.format(count=count, cap=cap),
            code="busy",
            extra={"retry_after": BUSY_RETRY_AFTER_SECONDS},
        )


# This process's creates between their first look at the cap and their commit, per user.
_reading: Counter[int] = Counter()
_reading_lock = threading.Lock()


@contextmanager
def user_unfinished_reserve(*, user: User, adding: int = 1) -> Iterator[None]:
    """Check the cap before a create reads its photo, counting the user's other creates
    that are still reading theirs, and hold ``adding`` places until the block ends (after
    the create's commit, when its versions count in the database).

    Without this, uploads sent at once would all pass the cap before any was written, and
    all be decoded, to be refused one by one afterwards. Each create sees only the places
    taken before its own, so of two at once one may pass where only one fits. Per process:
    creates in another process are counted once they are written (the check under the
    user's lock).
    """
    with _reading_lock:
        reading = _reading[user.pk]
        _reading[user.pk] += adding
    try:
        user_unfinished_check(user=user, adding=adding, reading=reading)
        yield
    finally:
        with _reading_lock:
            _reading[user.pk] -= adding
            if _reading[user.pk] <= 0:
                del _reading[user.pk]


def instruction_check(*, instruction: str) -> None:
    """Refuse an instruction longer than INSTRUCTION_MAX_LENGTH, before any engine parses it."""
    if len(instruction) > INSTRUCTION_MAX_LENGTH:
        raise ApplicationError(INSTRUCTION_TOO_LONG, code="too_long")


def user_lock(*, user: User) -> None:
    """Serialise this user's render requests until the transaction ends (a no-op on SQLite,
    whose writing transactions are serialised anyway)."""
    User.objects.select_for_update().filter(pk=user.pk).first()


def user_can_generate_check(*, user: User) -> None:
    """Refuse any new render from a suspended user, saying why (the rule:
    avatars.moderation.rules)."""
    user_suspension_check(user=user, doing="make new avatars or versions")
