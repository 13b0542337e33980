"""API permissions beyond "signed in"."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class NotSuspended(BasePermission):
    """A suspended user gets 403 with the moderator's reason, on every endpoint (their token
    was revoked on suspension; this covers a session or a token made since, e.g. by
    ``POST /api/token/``). A view that stays open to them — taking their data away, closing
    the account — says so with ``allowed_while_suspended = True``; the services refuse the
    rest again (the rule: avatars.moderation.rules)."""

    code = "suspended"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated or not user.is_suspended:
            return True
        if getattr(view, "allowed_while_suspended", False):
            return True
        self.message = f"Your account is suspended: {user.suspension_reason}"
        return False
