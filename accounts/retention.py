"""How long a person's photo is kept: their own choice, within what the site allows.

Each profile holds the choice its user made (``Profile.photo_retention``), or nothing: then
the site's default applies (``PIXME_PHOTO_RETENTION_DEFAULT``), so an operator who changes the
default changes it for everyone who never chose. No photo is kept longer than
``PIXME_PHOTO_RETENTION_LONGEST``: a choice longer than that is refused, and one made before
the operator lowered it counts as the longest allowed. The avatars app carries it out
(avatars.retention).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q

from accounts.models import PhotoRetention, Profile
from pixme.errors import ApplicationError

# "days_30": the photo goes this long after it was uploaded.
RETENTION_DAYS = timedelta(days=30)


def _rank(value: str) -> int:
    return settings.PHOTO_RETENTIONS.index(value)


def retention_longest() -> str:
    return settings.PIXME_PHOTO_RETENTION_LONGEST


def retention_default() -> str:
    return settings.PIXME_PHOTO_RETENTION_DEFAULT


def retention_resolve(*, chosen: str) -> str:
    """What a stored choice means today: the default for none, the longest allowed for one
    longer than that."""
    value = chosen or retention_default()
    return value if _rank(value) <= _rank(retention_longest()) else retention_longest()


def retention_for(*, profile: Profile | None) -> str:
    """How long this user's photos are kept (a PhotoRetention value)."""
    return retention_resolve(chosen=profile.photo_retention if profile is not None else "")


def retention_choices() -> list[tuple[str, str]]:
    """The choices this site offers, shortest first: none longer than it allows."""
    longest = _rank(retention_longest())
    labels = dict(PhotoRetention.choices)
    return [(value, labels[value]) for value in settings.PHOTO_RETENTIONS[: longest + 1]]


def retention_check(*, value: str) -> None:
    """Refuse a choice this site doesn't offer, saying what it does."""
    offered = [v for v, _label in retention_choices()]
    if value not in offered:
        words = PhotoRetention(value).label if value in PhotoRetention.values else repr(value)
        raise ApplicationError(
            f"This site doesn't offer “{words}”: it keeps photos at most as long as "
            f"“{PhotoRetention(retention_longest()).label.lower()}”. "
            f"Choose one of: {', '.join(offered)}.",
            code="retention_not_offered",
        )


def retention_owner_filter(*, value: str, owner: str = "owner") -> Q:
    """Rows whose ``owner`` keeps photos by ``value`` today (their choice, the default, or
    the longest allowed), for a query that carries it out."""
    stored = [v for v in ["", *settings.PHOTO_RETENTIONS] if retention_resolve(chosen=v) == value]
    match = Q(**{f"{owner}__profile__photo_retention__in": stored})
    if "" in stored:  # users made by createsuperuser may have no profile yet
        match |= Q(**{f"{owner}__profile__isnull": True})
    return match
