"""Pictures in the admin: thumbnails in the lists, and the staff-only views that serve them
(never a storage URL)."""

from __future__ import annotations

import io

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from PIL import Image

from avatars.models import Avatar, Turn
from pixme.http import stored_file_response

SELFIE_PREVIEW_SIDE = 192


def turn_thumbnail(turn: Turn | None, *, width: int = 96) -> str:
    if turn is None or not turn.thumbnail:
        return "—"
    return format_html(
        '<a href="{}" target="_blank"><img src="{}" width="{}" alt="version {}" '
        'loading="lazy"></a>',
        reverse("admin:avatars_turn_image", args=[turn.pk]),
        reverse("admin:avatars_turn_thumbnail", args=[turn.pk]),
        width,
        turn.number,
    )


def selfie(avatar: Avatar, *, width: int = 96) -> str:
    if not avatar.source:
        return "—"
    return format_html(
        '<a href="{}" target="_blank"><img src="{}" width="{}" alt="selfie" loading="lazy"></a>',
        reverse("admin:avatars_avatar_selfie", args=[avatar.pk]),
        reverse("admin:avatars_avatar_selfie_preview", args=[avatar.pk]),
        width,
    )


class PicturesAdminMixin:
    """The avatar admin's own picture views, for staff who may view avatars."""

    def get_urls(self):
        view = self.admin_site.admin_view
        extra = [
            path("turn/<int:turn_id>/image/", view(self.turn_image), name="avatars_turn_image"),
            path(
                "turn/<int:turn_id>/thumbnail/",
                view(self.turn_thumbnail),
                name="avatars_turn_thumbnail",
            ),
            path("<int:avatar_id>/selfie/", view(self.selfie_view), name="avatars_avatar_selfie"),
            path(
                "<int:avatar_id>/selfie/preview/",
                view(self.selfie_preview),
                name="avatars_avatar_selfie_preview",
            ),
        ]
        return extra + super().get_urls()

    def _turn(self, request, turn_id: int) -> Turn:
        if not self.has_view_permission(request):
            raise Http404
        return get_object_or_404(Turn, pk=turn_id)

    def _avatar(self, request, avatar_id: int) -> Avatar:
        if not self.has_view_permission(request):
            raise Http404
        return get_object_or_404(Avatar, pk=avatar_id)

    def turn_image(self, request, turn_id: int):
        return stored_file_response(self._turn(request, turn_id).image)

    def turn_thumbnail(self, request, turn_id: int):
        return stored_file_response(self._turn(request, turn_id).thumbnail)

    def selfie_view(self, request, avatar_id: int):
        return stored_file_response(self._avatar(request, avatar_id).source)

    def selfie_preview(self, request, avatar_id: int):
        """A small copy for the queue: fifty full-size selfies would be a heavy page."""
        avatar = self._avatar(request, avatar_id)
        if not avatar.source:
            raise Http404("No selfie")
        with avatar.source.open("rb") as fh, Image.open(fh) as im:
            side = SELFIE_PREVIEW_SIDE
            im.draft("RGB", (side, side))  # decode the JPEG at a fraction of its size
            small = im.convert("RGB")
            small.thumbnail((side, side))
            buf = io.BytesIO()
            small.save(buf, "JPEG", quality=80)
        response = HttpResponse(buf.getvalue(), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response
