"""The identity photo a request names, for its owner only: anyone else's, and any id that is
nobody's, is a 404 on pages and in the API alike."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from avatars.identity_photos.services import identity_photo_get
from avatars.lookups import MAX_ID
from avatars.models import IdentityPhoto


def identity_photo_for(request: HttpRequest, photo_id: int) -> IdentityPhoto:
    if photo_id > MAX_ID:
        raise Http404
    try:
        return identity_photo_get(user=request.user, photo_id=photo_id)
    except IdentityPhoto.DoesNotExist:
        raise Http404 from None
