"""The profile page's identity photos: the section's context, its forms (add or replace a
photo, delete one) and the photos themselves. The guided webcam capture posts each shot to
the API (static/js/identity-photos.js) and shows what the check says."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from avatars.identity import ANGLES
from avatars.identity_photos.lookups import identity_photo_for
from avatars.identity_photos.services import (
    MAX_PHOTOS,
    identity_photo_create,
    identity_photo_delete,
    identity_photo_list,
)
from avatars.models import IdentityPhoto
from pixme.errors import ApplicationError
from pixme.http import stored_file_response

# What the guided capture asks for, in order, and how.
STEPS = {
    "front": "Look straight at the camera.",
    "left": "Turn your head about a third of the way to your left.",
    "right": "Turn your head about a third of the way to your right.",
    "smile": "Look at the camera and smile.",
    "other": "One more, any way you like: both eyes in view.",
}


def identity_profile_context(request: HttpRequest) -> dict:
    photos = list(identity_photo_list(user=request.user))
    taken = {photo.angle for photo in photos}
    return {
        "identity": {
            "photos": photos,
            "max": MAX_PHOTOS,
            "room": MAX_PHOTOS - len(photos),
            "angles": IdentityPhoto.Angle.choices,
            # The guided sequence asks for the angles not taken yet, in order.
            "steps": [
                {"angle": angle, "ask": STEPS[angle]} for angle in ANGLES if angle not in taken
            ],
        }
    }


def _back() -> HttpResponse:
    return redirect(reverse("profile") + "#identity-photos")


@login_required
@require_POST
def identity_photo_add(request: HttpRequest) -> HttpResponse:
    """The section's form: add a photo, or replace one (``replaces``)."""
    upload = request.FILES.get("photo")
    if upload is None:
        messages.error(request, "Choose a photo to add.")
        return _back()
    replaces = request.POST.get("replaces", "")
    replacing = identity_photo_for(request, int(replaces)) if replaces.isdigit() else None
    try:
        photo = identity_photo_create(
            owner=request.user,
            upload=upload,
            size=upload.size,
            angle=request.POST.get("angle", ""),
            replacing=replacing,
        )
    except ApplicationError as exc:
        messages.error(request, f"That photo wasn't kept: {exc.message}")
    else:
        messages.success(request, f"Identity photo added ({photo.get_angle_display().lower()}).")
    return _back()


@login_required
@require_POST
def identity_photo_remove(request: HttpRequest, photo_id: int) -> HttpResponse:
    identity_photo_delete(photo=identity_photo_for(request, photo_id))
    messages.success(request, "Identity photo deleted.")
    return _back()


@login_required
@require_GET
def identity_photo_file(request: HttpRequest, photo_id: int) -> HttpResponse:
    return stored_file_response(
        identity_photo_for(request, photo_id).photo, content_type="image/jpeg"
    )
