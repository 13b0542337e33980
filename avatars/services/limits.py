"""Fair use: how much one user may have the drawing desks doing at once.

Each render costs real CPU (studio) or money (Gemini), so one user flooding must not starve
everyone else. The daily quota of paid engines lives with the turns (``turn_quota_check``);
this is the cap on *unfinished* versions — queued or drawing — per user, for every engine,
and on how long an instruction may be. How often work may be asked for is the rate limits'
business (``avatars.api.throttles``).
"""

from __future__ import annotations

from django.conf import settings

from accounts.models import User
from avatars.models import Turn
from pixme.errors import ApplicationError

# An edit is a sentence or two ("add round glasses and a starfield background" is 45
# characters); the forms, the API and the services all refuse longer before anything reads it.
INSTRUCTION_MAX_LENGTH = 500
INSTRUCTION_TOO_LONG = (
    f"That's more than {INSTRUCTION_MAX_LENGTH} characters: ask for one or two things at a "
    "time, in a sentence or two."
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


def user_unfinished_check(*, user: User, adding: int = 1) -> None:
    """Refuse ``adding`` new renders (several takes of one create, or one) when they would
    pass PIXME_MAX_UNFINISHED_PER_USER unfinished ones: the cap counts drawings, not requests.

    Callers that write hold a lock that serialises a user's requests (the user's row) and
    call this inside the transaction, so two requests at once cannot both slip under the cap.
    """
    cap = settings.PIXME_MAX_UNFINISHED_PER_USER
    if cap <= 0:
        return
    if adding > cap:  # waiting would not help: say what would
        raise ApplicationError(TAKES_MESSAGE.format(cap=cap), code="bad_option")
    unfinished = Turn.objects.filter(
        avatar__owner=user, status__in=[Turn.Status.QUEUED, Turn.Status.RUNNING]
    ).count()
    if unfinished + adding > cap:
        count = "1 avatar" if unfinished == 1 else f"{unfinished} avatars"
        message = BUSY_MESSAGE if adding == 1 else TAKES_BUSY_MESSAGE
        raise ApplicationError(
            message.format(count=count, cap=cap),
            code="busy",
            extra={"retry_after": BUSY_RETRY_AFTER_SECONDS},
        )


def instruction_check(*, instruction: str) -> None:
    """Refuse an instruction longer than INSTRUCTION_MAX_LENGTH, before any engine parses it."""
    if len(instruction) > INSTRUCTION_MAX_LENGTH:
        raise ApplicationError(INSTRUCTION_TOO_LONG, code="too_long")


def user_lock(*, user: User) -> None:
    """Serialise this user's render requests until the transaction ends (a no-op on SQLite,
    whose writing transactions are serialised anyway)."""
    User.objects.select_for_update().filter(pk=user.pk).first()


def user_can_generate_check(*, user: User) -> None:
    """Refuse any new render from a suspended user, saying why. Reads the row afresh: the
    caller's user may predate the moderator's decision."""
    suspended = User.objects.filter(pk=user.pk, suspended_at__isnull=False)
    reason = suspended.values_list("suspension_reason", flat=True).first()
    if reason is not None:
        raise ApplicationError(
            f"Your account is suspended, so you can't make new avatars or versions: {reason}",
            code="suspended",
        )
