"""Sharing by unguessable link, reports from visitors, and the automatic pause on reports.

Whether a link is live is decided in one place, ``avatars.selectors.avatar_get_shared``; these
services only change the state it reads.
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import User
from accounts.services import user_suspension_check
from avatars.models import Avatar, Report, Turn
from avatars.moderation.rules import avatar_moderation_check
from avatars.moderation.services import avatar_flag
from avatars.selectors import (
    SharedAvatar,
    avatar_link_paused,
    reporter_is_established,
    reports_to_hide,
)
from pixme.errors import ApplicationError

# 16 random bytes: 22 URL-safe characters, 128 bits, beyond guessing.
TOKEN_BYTES = 16


def share_path(*, avatar: Avatar) -> str:
    """The link's path ('' while private); pages and the API make it absolute."""
    if avatar.visibility != Avatar.Visibility.LINK or not avatar.share_token:
        return ""
    return reverse("share:page", args=[avatar.share_token])


@transaction.atomic
def avatar_share(*, avatar: Avatar, turn: Turn | None = None, reel: bool = False) -> Avatar:
    """Share by a new link (any earlier one dies): ``turn`` pins a version, None follows
    whichever is current. ``reel``: the page shows the reel too — it starts from the selfie,
    so only when the owner says so — while the current version is the one shown."""
    avatar_moderation_check(avatar=avatar, doing="shared")
    user_suspension_check(user=avatar.owner, doing="share avatars")
    if avatar_link_paused(avatar=avatar):
        raise ApplicationError(
            "Sharing is paused while a moderator reviews reports about this avatar.",
            code="under_review",
        )
    shown = turn or avatar.current_turn
    if turn is not None and turn.avatar_id != avatar.pk:
        raise ApplicationError("That version belongs to another avatar.")
    if shown is None or shown.status != Turn.Status.SUCCEEDED or not shown.image:
        what = f"Version {shown.number} isn't" if shown else "No version is"
        raise ApplicationError(f"{what} finished yet, so there is nothing to share.")
    if reel and turn is not None and turn.pk != avatar.current_turn_id:
        raise ApplicationError(
            "The reel ends on the current version: share the current version to show it."
        )
    avatar.visibility = Avatar.Visibility.LINK
    avatar.share_token = secrets.token_urlsafe(TOKEN_BYTES)
    avatar.shared_turn = turn
    avatar.share_reel = reel
    avatar.save(
        update_fields=["visibility", "share_token", "shared_turn", "share_reel", "updated_at"]
    )
    if reel:
        from avatars.reels.services import reel_request

        reel_request(avatar=avatar)  # made now, so it is ready when the link is opened
    return avatar


@transaction.atomic
def avatar_unshare(*, avatar: Avatar) -> Avatar:
    """Private again: the link dies at once (its images may linger in caches ≤ 5 minutes)."""
    avatar.visibility = Avatar.Visibility.PRIVATE
    avatar.share_token = None
    avatar.shared_turn = None
    avatar.share_reel = False
    avatar.save(
        update_fields=["visibility", "share_token", "shared_turn", "share_reel", "updated_at"]
    )
    return avatar


@transaction.atomic
def report_create(*, shared: SharedAvatar, reporter: User, reason: str, note: str = "") -> Report:
    """A visitor's report of a live link, once per person. Every report puts the avatar in
    the moderators' queue; the PIXME_REPORTS_TO_HIDE-th open one flags it there, and it pauses
    the link when that many came from established accounts (``reporter_is_established``):
    fresh accounts can ask for a look but can't take a link down."""
    user_suspension_check(user=reporter, doing="report avatars")
    if reason not in Report.Reason.values:
        raise ApplicationError("Choose a reason from the list.", code="bad_reason")
    if shared.avatar.owner_id == reporter.pk:
        raise ApplicationError("This is your own avatar: you can stop sharing it instead.")
    # Lock the avatar so two reports arriving together count each other.
    avatar = Avatar.objects.select_for_update().get(pk=shared.avatar.pk)
    if Report.objects.filter(avatar=avatar, reporter=reporter).exists():
        raise ApplicationError("You have already reported this avatar.", code="already_reported")
    try:
        with transaction.atomic():
            report = Report.objects.create(
                avatar=avatar,
                reporter=reporter,
                reason=reason,
                note=note.strip(),
                established=reporter_is_established(user=reporter),
            )
    except IntegrityError:  # the same person's second report, in a race with the first
        raise ApplicationError(
            "You have already reported this avatar.", code="already_reported"
        ) from None
    open_reports = avatar.reports.filter(resolved=False).count()
    if open_reports >= reports_to_hide() and avatar.moderation == Avatar.Moderation.OK:
        # The queue's own flag: one audit record, with the owner named, like every decision.
        pausing = avatar.reports.filter(resolved=False, established=True).count()
        reason = f"{open_reports} reports"
        if pausing < open_reports:
            reason += f", {pausing} from established accounts"
        avatar_flag(avatar=avatar, reason=reason)
    return report
