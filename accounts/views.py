from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.forms import ProfileForm, SignUpForm
from accounts.services import profile_for_user, profile_update, user_create
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
    return render(
        request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200
    )
