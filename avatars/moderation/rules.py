"""What a moderator's decision leaves people free to do: the one place the rule is written.

Every service that changes something, starts a job or hands out pictures calls a check from
here, so pages, the API, the websocket, the admin and the commands refuse the same things in
the same words (an ``ApplicationError`` coded ``moderated`` or ``suspended``: a message on a
page, a 403 in the API's error shape).

**A hidden or removed avatar.** Its owner may still look at it — its page, the previews (the
thumbnails and the selfie), its versions and their history — and delete it. Nobody may change
it (edit, retry, make a version or a take current), share it, make its reel, or take its
pictures away as files: no download, no reel, no shared page. The account export agrees with
the downloads: it lists the avatar with the decision and the reason, and leaves its versions'
pictures out with the download's own words (``pictures_left_out``). The selfie stays in the
export, as it stays on the page: it is the photo the owner gave us, not a picture we drew,
and the decision is about what we drew (a removed avatar has no selfie left). A *flagged*
avatar is only waiting for a moderator: nothing is refused.

**A suspended user** may take their data and leave: sign in and out, see their things,
download the export, delete their account, and delete what they made (an avatar, a webhook, a
token). Nothing else: no new avatars or versions, retries, takes, reels, shares, reports,
webhooks, API tokens, profile changes or live-progress sockets. ``POST /api/token/`` (the
password exchange) still gives them a token, and while they are suspended the API opens only
the export and the account's deletion to it (``pixme.api.permissions.NotSuspended``); the
rest of what they may do is on the pages. Webhooks made before go on delivering: they only
tell the owner what became of their own versions (the suspension cancelled the unfinished
ones), and the picture URLs in them answer 403 like every other API call of theirs. The
user's part is checked by ``accounts.services.user_suspension_check``: a suspension belongs
to the account.
"""

from __future__ import annotations

from avatars.models import Avatar
from pixme.errors import ApplicationError

MODERATED = (Avatar.Moderation.HIDDEN, Avatar.Moderation.REMOVED)


def avatar_moderation_refusal(*, avatar: Avatar, doing: str) -> str | None:
    """Why ``avatar`` can't be ``doing`` (a past participle: "edited", "downloaded"), from
    the state the object holds; None when nothing rules it out."""
    if avatar.moderation not in MODERATED:
        return None
    what = "hid" if avatar.moderation == Avatar.Moderation.HIDDEN else "removed"
    reason = f" Reason: {avatar.moderation_reason}" if avatar.moderation_reason else ""
    return f"A moderator {what} this avatar, so it can't be {doing}.{reason}"


def avatar_moderation_check(*, avatar: Avatar, doing: str) -> None:
    """Refuse ``doing`` to a hidden or removed avatar, saying why. Reads the row afresh: the
    caller's avatar may predate the moderator's decision."""
    fresh = Avatar.objects.filter(pk=avatar.pk).only("moderation", "moderation_reason").first()
    refusal = avatar_moderation_refusal(avatar=fresh or avatar, doing=doing)
    if refusal:
        raise ApplicationError(refusal, code="moderated")
