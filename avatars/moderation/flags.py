"""Automatic flags: what puts an avatar in the moderators' queue without anyone reporting it.

Two things do: the engine declining a version on safety grounds, and a word or phrase from the
blocklist (``BlockedTerm``, edited by moderators in the admin) in what the owner wrote — the
instruction, the title, or the profile's display name and caption that go with the picture.
A flag hides nothing; it asks a moderator to look (``avatars.moderation.services``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from accounts.models import Profile
from avatars.models import Avatar, BlockedTerm, Turn
from avatars.moderation.services import avatar_flag


def blocked_terms_pattern() -> re.Pattern | None:
    """One case-insensitive pattern for the whole blocklist (see :func:`blocked_terms_compile`)."""
    return blocked_terms_compile(terms=BlockedTerm.objects.values_list("term", flat=True))


def blocked_terms_compile(*, terms: Iterable[str]) -> re.Pattern | None:
    """One case-insensitive pattern for ``terms``, whole words only (“ass” does not match
    “class”); spaces inside a phrase match any run of spaces. None for no terms."""
    terms = [t.strip() for t in terms if t.strip()]
    if not terms:
        return None
    alternatives = "|".join(r"\s+".join(map(re.escape, t.split())) for t in terms)
    # Where no term can start, one look ahead says so: without it every position (a run of
    # spaces is all positions) tries every term, and a long blocklist made a long text slow.
    first = "".join(sorted({re.escape(t[0]) for t in terms}))
    return re.compile(rf"(?=[{first}])(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def blocked_terms_find(*, texts: dict[str, str]) -> list[str]:
    """``where (what matched)`` for each text containing a blocked term, e.g.
    ``["instruction (“foo”)"]``; empty when nothing matches."""
    pattern = blocked_terms_pattern()
    if pattern is None:
        return []
    found = []
    for where, text in texts.items():
        hits = sorted({m.group(0).lower() for m in pattern.finditer(text or "")})
        if hits:
            found.append(f"{where} ({', '.join(f'“{h}”' for h in hits)})")
    return found


def avatar_flag_check(*, avatar: Avatar, instruction: str = "") -> Avatar:
    """Flag ``avatar`` when its title, ``instruction`` (the one just asked for) or its owner's
    display name or caption contains a blocked term. Called when an avatar is made or edited."""
    profile = Profile.objects.filter(user_id=avatar.owner_id).first()
    found = blocked_terms_find(
        texts={
            "instruction": instruction,
            "title": avatar.title,
            "display name": profile.display_name if profile else "",
            "caption": profile.caption if profile else "",
        }
    )
    if found:
        return avatar_flag(avatar=avatar, reason=f"Blocked words in {'; '.join(found)}")
    return avatar


def profile_flag_check(*, profile: Profile, changed: Iterable[str]) -> None:
    """After a profile edit (``changed``: the fields it set). A new display name or caption
    shows on every shared avatar at once, so those are flagged now; the owner's other avatars
    are checked at their next edit."""
    if not {"display_name", "caption"} & set(changed):
        return
    found = blocked_terms_find(
        texts={"display name": profile.display_name, "caption": profile.caption}
    )
    if not found:
        return
    reason = f"Blocked words in the owner's {'; '.join(found)}"
    for avatar in Avatar.objects.filter(
        owner_id=profile.user_id, visibility=Avatar.Visibility.LINK
    ):
        avatar_flag(avatar=avatar, reason=reason)


def turn_refusal_flag(*, turn: Turn) -> None:
    """The engine declined this version on safety grounds: a moderator looks at the avatar."""
    avatar = Avatar.objects.get(pk=turn.avatar_id)
    words = f": {turn.error_message}" if turn.error_message else ""
    avatar_flag(
        avatar=avatar, reason=f"The engine declined version {turn.number} for safety{words}"
    )
