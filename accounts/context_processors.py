"""Template context every page needs about the signed-in account."""

from __future__ import annotations

from django.http import HttpRequest


def suspension(request: HttpRequest) -> dict:
    """The moderator's reason for a suspended user, for the banner at the top of every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_suspended:
        return {}
    return {"account_suspended": True, "suspension_reason": user.suspension_reason}
