"""Read-side queries. Ownership is enforced here: every lookup is scoped to the user, so a
stranger's id simply isn't found (404, never 403)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from avatars.engines.base import RateLimited, Unavailable
from avatars.faces import likeness_compared_words, likeness_words
from avatars.models import Avatar, Report, Style, Turn
from avatars.skin import skin_words


def avatar_list_for_user(*, user: User) -> QuerySet[Avatar]:
    return (
        Avatar.objects.filter(owner=user)
        .select_related("style", "current_turn")
        .order_by("-created_at", "-id")
    )


def avatar_get_for_user(*, user: User, avatar_id: int) -> Avatar:
    """Raises Avatar.DoesNotExist for ids the user does not own."""
    return Avatar.objects.select_related("style", "current_turn").get(pk=avatar_id, owner=user)


def turn_get_for_user(*, user: User, avatar_id: int, turn_id: int) -> Turn:
    return Turn.objects.select_related("avatar").get(
        pk=turn_id, avatar_id=avatar_id, avatar__owner=user
    )


def turn_list_for_avatar(*, avatar: Avatar) -> QuerySet[Turn]:
    return avatar.turns.order_by("number")


def take_rank(turn: Turn) -> tuple:
    """How a take ranks among its avatar's takes (smaller first): finished before the rest,
    then by likeness to the selfie (a smaller distance is more alike; unmeasured last), then
    by number."""
    finished = turn.status == Turn.Status.SUCCEEDED
    return (not finished, turn.likeness is None, turn.likeness or 0.0, turn.number)


def turn_likeness_level(turn: Turn) -> str:
    """How alike, in words: "likeness being measured" for a moment after "done", then
    "strong likeness", "fair likeness", "weak likeness" or "no face found"."""
    if turn.likeness_pending:
        return "likeness being measured"
    return likeness_words(turn.likeness)


def turn_likeness_words(turn: Turn) -> str:
    """How alike and what it was compared with ("strong likeness, compared with your photo")."""
    words = turn_likeness_level(turn)
    compared = turn_likeness_compared(turn)
    return f"{words}, {compared}" if compared else words


def turn_likeness_compared(turn: Turn) -> str:
    """What the likeness was measured against: the selfie, and the identity photos when the
    user had some (avatars.services.likeness notes how many); '' while there is no likeness
    to speak of (being measured, or no face)."""
    if turn.likeness_pending or turn.likeness is None:
        return ""
    photos = turn.likeness_photos
    if not photos:
        return likeness_compared_words(photos=1)
    return f"compared with your selfie and your {photos} identity photo{'' if photos == 1 else 's'}"


def turn_skin_tone(*, turn: Turn) -> dict | None:
    """The version's skin against the photo's, as the API says it (null: no face measured)."""
    if not turn.skin_tone:
        return None
    stored = turn.skin_tone
    return {
        "delta": stored["delta"],
        "within": stored["within"],
        "exempt": stored["exempt"],
        "direction": list(stored.get("direction", [])),
    }


def turn_skin_note(*, turn: Turn) -> str:
    """The plain note a page shows under a version whose skin drifted beyond the tolerance
    ('' for one within it, an exempt style's, or one not measured)."""
    skin = turn_skin_tone(turn=turn)
    if skin is None:
        return ""
    return skin_words(within=skin["within"], exempt=skin["exempt"], direction=skin["direction"])


def take_queryset(*, avatar_id: int) -> QuerySet[Turn]:
    """An avatar's takes: its generate turns on their own branches (no parent)."""
    return Turn.objects.filter(avatar_id=avatar_id, kind=Turn.Kind.GENERATE, parent=None)


def take_list_for_avatar(*, avatar: Avatar) -> list[Turn]:
    """The takes of the avatar's first drawing (its versions on their own branches: generate
    turns with no parent), best first, each with ``rank`` (1 for the best) and
    ``likeness_text``. One take for an avatar made with one."""
    return take_list_ranked(turns=avatar.turns.all())


def take_list_ranked(*, turns: Iterable[Turn]) -> list[Turn]:
    """:func:`take_list_for_avatar` from an avatar's turns already read (no query)."""
    takes = sorted(
        (t for t in turns if t.kind == Turn.Kind.GENERATE and t.parent_id is None), key=take_rank
    )
    for rank, take in enumerate(takes, start=1):
        take.rank, take.likeness_text = rank, turn_likeness_words(take)
        take.likeness_level = turn_likeness_level(take)
    return takes


def style_list_enabled() -> QuerySet[Style]:
    return Style.objects.filter(enabled=True).order_by("order", "name")


def turn_ancestors(*, turn: Turn, limit: int = 12) -> list[Turn]:
    """The chain from the oldest kept ancestor down to ``turn`` itself (oldest first)."""
    chain: list[Turn] = []
    node: Turn | None = turn
    while node is not None and len(chain) < limit:
        chain.append(node)
        node = node.parent
    chain.reverse()
    return chain


# --- sharing ---------------------------------------------------------------------------------


def reports_to_hide() -> int:
    """Open reports from established accounts that pause a share link until a moderator
    decides."""
    return getattr(settings, "PIXME_REPORTS_TO_HIDE", 3)


def reporter_is_established(*, user: User) -> bool:
    """An account whose report can help pause a link: it has made an avatar and is at least
    PIXME_REPORTER_MIN_AGE_HOURS old, so a handful of accounts made a minute earlier for the
    purpose can't take a link down (their reports still reach the moderators)."""
    min_age = timedelta(hours=settings.PIXME_REPORTER_MIN_AGE_HOURS)
    if min_age and user.date_joined > timezone.now() - min_age:
        return False
    return Avatar.objects.filter(owner=user).exists()


def _pausing_reports() -> Subquery:
    return Subquery(
        Report.objects.filter(avatar=OuterRef("pk"), resolved=False, established=True)
        .order_by()
        .values("avatar")
        .annotate(n=Count("pk"))
        .values("n")
    )


def avatar_open_report_count(*, avatar: Avatar) -> int:
    """How many reports await a moderator (the owner sees the number, never who)."""
    return avatar.reports.filter(resolved=False).count()


def avatar_link_paused(*, avatar: Avatar) -> bool:
    """Whether reports pause the avatar's link (see ``avatar_get_shared``)."""
    pausing = avatar.reports.filter(resolved=False, established=True).count()
    return pausing >= reports_to_hide()


@dataclass(frozen=True)
class SharedAvatar:
    """What a share link shows. The page reads the fields, never the owner's account: ``avatar``
    is there for the owner check and for reports."""

    token: str
    avatar: Avatar
    turn: Turn
    style: str
    display_name: str
    caption: str


def avatar_get_shared(*, token: str) -> SharedAvatar:
    """The avatar behind a share link, if the link is live; raises Avatar.DoesNotExist if not.

    Live means: shared by link with this token, not hidden or removed by a moderator, the owner
    not suspended, fewer open reports from established accounts than PIXME_REPORTS_TO_HIDE, and
    a finished version to show.
    One query, whatever else the owner has.
    """
    if not token:
        raise Avatar.DoesNotExist
    avatar = (
        Avatar.objects.select_related("style", "owner__profile", "current_turn", "shared_turn")
        .annotate(pausing_reports=Coalesce(_pausing_reports(), 0))
        .get(
            share_token=token,
            visibility=Avatar.Visibility.LINK,
            moderation__in=[Avatar.Moderation.OK, Avatar.Moderation.FLAGGED],
            owner__suspended_at__isnull=True,
            pausing_reports__lt=reports_to_hide(),
        )
    )
    turn = avatar.shared_turn or avatar.current_turn
    if turn is None or turn.status != Turn.Status.SUCCEEDED or not turn.image:
        raise Avatar.DoesNotExist
    profile = getattr(avatar.owner, "profile", None)  # users made by createsuperuser have none
    return SharedAvatar(
        token=token,
        avatar=avatar,
        turn=turn,
        style=avatar.style.name,
        display_name=profile.display_name if profile else "",
        caption=profile.caption if profile else "",
    )


# Failures that another try may get past: a busy or unreachable engine, our own crash. The
# rest (a refused or impossible request, a withdrawn model, a setup fault) fail the same again.
RETRYABLE_FAILURES = frozenset({RateLimited.code, Unavailable.code, "internal"})


def turn_retryable(*, turn: Turn) -> bool:
    """Whether Retry could help: a cancelled turn, or a failure another try may get past
    (a failure recorded without a code is given the benefit of the doubt)."""
    if turn.status == Turn.Status.CANCELLED:
        return True
    return turn.status == Turn.Status.FAILED and (
        not turn.error_code or turn.error_code in RETRYABLE_FAILURES
    )
