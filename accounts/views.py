from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from rest_framework.authtoken.models import Token

from accounts.forms import ProfileForm, SignUpForm
from accounts.leaving import account_delete, account_export
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


@login_required
@require_GET
def account_export_download(request: HttpRequest) -> FileResponse:
    export = account_export(user=request.user)
    response = FileResponse(
        export.file, as_attachment=True, filename=export.filename, content_type="application/zip"
    )
    response["Cache-Control"] = "private, no-store"  # everything the person has
    response["X-Content-Type-Options"] = "nosniff"
    return response


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        required=False,  # the service says what's missing, in the same words as the API
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


@login_required
def account_delete_confirm(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account_delete(
                request=request, user=request.user, password=form.cleaned_data["password"]
            )
        except ApplicationError as exc:
            form.add_error("password", exc.message)
        else:
            logout(request)
            messages.success(
                request, "Your account is deleted, with every avatar, version and photo. Goodbye!"
            )
            return redirect("home")
    return render(
        request, "accounts/delete.html", {"form": form}, status=400 if form.errors else 200
    )
