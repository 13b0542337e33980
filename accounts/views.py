from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from accounts.forms import ProfileForm, SignUpForm
from accounts.services import (
    api_token_revoke,
    api_token_rotate,
    profile_for_user,
    profile_update,
    user_create,
)
from pixme.errors import ApplicationError


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("avatars:list")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_create(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        except ApplicationError as exc:
            form.add_error("username", exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to Pix Me! Upload a selfie to get started.")
            return redirect("avatars:new")
    return render(
        request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    profile = profile_for_user(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(profile=profile, data=dict(form.cleaned_data))
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Profile saved.")
            return redirect("profile")
    token = Token.objects.filter(user=request.user).only("created").first()
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "token": token, "new_token": request.session.pop("new_api_token", None)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def api_token(request: HttpRequest) -> HttpResponse:
    """Create or replace (action=rotate) or delete (action=revoke) the user's API token."""
    if request.POST.get("action") == "revoke":
        api_token_revoke(user=request.user)
        messages.success(request, "API token deleted: programs using it can no longer sign in.")
    else:
        # Shown once, on the next page only; never put in a URL or a log.
        request.session["new_api_token"] = api_token_rotate(user=request.user)
        messages.success(request, "New API token created. Copy it now: it is shown only once.")
    return redirect("profile")
