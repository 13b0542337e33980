"""The avatar or version a request names, for its owner only: anyone else — and any id that
is nobody's, however large — gets a 404, never a 403, on pages and in the API alike."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from avatars.models import Avatar, Turn
from avatars.selectors import avatar_get_for_user, turn_get_for_user

# Ids are signed 64-bit in SQLite and PostgreSQL: a larger number is nobody's object (404),
# not a database error (500).
MAX_ID = 2**63 - 1


def avatar_for(request: HttpRequest, avatar_id: int) -> Avatar:
    if avatar_id > MAX_ID:
        raise Http404
    try:
        return avatar_get_for_user(user=request.user, avatar_id=avatar_id)
    except Avatar.DoesNotExist:
        raise Http404 from None


def turn_for(request: HttpRequest, avatar_id: int, turn_id: int) -> Turn:
    if max(avatar_id, turn_id) > MAX_ID:
        raise Http404
    try:
        return turn_get_for_user(user=request.user, avatar_id=avatar_id, turn_id=turn_id)
    except Turn.DoesNotExist:
        raise Http404 from None
