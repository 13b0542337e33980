"""The owner's "delete my photo" on the avatar's page: a confirmation, then the deletion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.models import DeletionReceipt
from avatars.lookups import avatar_for
from avatars.retention.services import photo_delete
from avatars.views import detail_url


@login_required
def photo_delete_view(request: HttpRequest, avatar_id: int) -> HttpResponse:
    avatar = avatar_for(request, avatar_id)
    if request.method == "POST":
        if photo_delete(avatar=avatar, reason=DeletionReceipt.Reason.USER):
            messages.success(
                request,
                "Your photo is deleted; the avatar and its versions stay. Its receipt is on "
                "your profile.",
            )
        return redirect(detail_url(avatar))
    return render(request, "avatars/photo_delete.html", {"avatar": avatar})
