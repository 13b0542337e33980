from __future__ import annotations

import base64
import io
import json
import math

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from accounts.confirmation import (
    email_change,
    email_confirm,
    email_confirmation_request,
    email_state,
)
from accounts.forms import EmailChangeForm, ProfileForm, SignUpForm, profile_form_changes
from accounts.leaving import account_delete, account_export
from accounts.models import ApiToken, User
from accounts.receipts import receipt_filename, receipt_for_user, receipt_list_for_user
from accounts.services import (
    api_token_create,
    api_token_list_for_user,
    api_token_revoke,
    profile_for_user,
    profile_update,
    user_create,
)
from accounts.signals import answers, profile_page
from pixme.api.throttles import (
    EmailConfirmRateThrottle,
    ExportRateThrottle,
    SignupRateThrottle,
    rate_limit_check,
)
from pixme.errors import ApplicationError
from pixme.http import NO_STORE, stored_file_response
from pixme.numbers import parse_int


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("avatars:list")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttle = SignupRateThrottle()  # counts the accounts asked for, not the typos
        if not throttle.allow_request(request, None):
            return _signup_refused(request, form, wait=throttle.wait())
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


def _signup_refused(request: HttpRequest, form: SignUpForm, *, wait: float | None) -> HttpResponse:
    seconds = max(1, math.ceil(wait or 1))
    form.add_error(
        None,
        "Many accounts were made from your address just now, so sign-up is paused here. "
        f"Try again in {_duration(seconds)}.",
    )
    response = render(request, "registration/signup.html", {"form": form}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{pluralize(seconds)}"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"{minutes} minute{pluralize(minutes)}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hour{pluralize(hours)}"


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    profile = profile_for_user(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(profile=profile, data=profile_form_changes(form))
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Profile saved.")
            return redirect("profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "tokens": api_token_list_for_user(user=request.user),
            "token_form": ApiTokenForm(),
            "new_token": request.session.pop("new_api_token", None),
            "receipts": receipt_list_for_user(user=request.user)[:RECEIPTS_SHOWN],
            "receipt_count": receipt_list_for_user(user=request.user).count(),
            "email": email_state(user=request.user),
            "email_form": EmailChangeForm(initial={"email": request.user.email}),
            **_sections(request),
        },
        status=400 if form.errors else 200,
    )


# The profile lists this many of the newest receipts; the export and the API hold them all.
RECEIPTS_SHOWN = 50


def _sections(request: HttpRequest) -> dict:
    """The context of each app's own section of the profile page (the webhooks'): accounts
    knows none of them."""
    context = {}
    for part in answers(profile_page, sender=User, request=request):
        context.update(part)
    return context


@login_required
@require_POST
def email_edit(request: HttpRequest) -> HttpResponse:
    """The profile page's e-mail section: send the confirmation link again (action=send), or
    change the address (action=change, with the password), which sends a new link."""
    if request.POST.get("action") == "send":
        rate_limit_check(request, EmailConfirmRateThrottle)  # one limit with the API's
        if email_confirmation_request(user=request.user):
            messages.success(request, f"We sent a new link to {request.user.email}.")
        else:
            messages.info(request, "There is no unconfirmed address to send a link to.")
        return redirect(reverse("profile") + "#email")
    form = EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            user = email_change(
                request=request,
                user=request.user,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if email_state(user=user).confirmed:
                messages.success(request, "Address saved.")
            else:
                messages.success(
                    request, f"Address saved. Open the link we sent to {user.email} to confirm it."
                )
    else:
        messages.error(request, "Type an e-mail address and your password.")
    return redirect(reverse("profile") + "#email")


@never_cache
@require_safe
def email_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation message: opened by whoever holds the mailbox, signed in or
    not (the link itself is the proof)."""
    try:
        user = email_confirm(token=token)
    except ApplicationError as exc:
        return render(request, "accounts/email_confirm.html", {"error": exc.message}, status=400)
    return render(request, "accounts/email_confirm.html", {"confirmed": user.email_confirmed})


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=64, widget=forms.TextInput(attrs={"placeholder": "laptop, CI…"})
    )


@login_required
@require_POST
def api_token(request: HttpRequest) -> HttpResponse:
    """Create a named API token (action=create) or revoke one (action=revoke, token=<id>)."""
    if request.POST.get("action") == "revoke":
        token_id = parse_int(request.POST.get("token", ""), low=1, name="The token")
        try:
            api_token_revoke(user=request.user, token_id=token_id)
        except ApiToken.DoesNotExist:
            raise Http404 from None
        messages.success(request, "API token revoked: programs using it can no longer sign in.")
        return redirect("profile")
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the token a name of up to 64 characters.")
        return redirect("profile")
    try:
        token, secret = api_token_create(user=request.user, name=form.cleaned_data["name"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        # Shown once, on the next page only; never put in a URL or a log.
        request.session["new_api_token"] = {"name": token.name, "secret": secret}
    return redirect("profile")


@login_required
@require_GET
def account_export_download(request: HttpRequest) -> HttpResponse:
    rate_limit_check(request, ExportRateThrottle)  # one limit with the API's export
    export = account_export(user=request.user)
    return stored_file_response(
        export.file,
        content_type="application/zip",
        cache_control=NO_STORE,
        filename=export.filename,
    )


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
            receipt = account_delete(
                request=request, user=request.user, password=form.cleaned_data["password"]
            )
        except ApplicationError as exc:
            form.add_error("password", exc.message)
        else:
            logout(request)
            # In the new, signed-out session, for the next page only: shown once, kept nowhere.
            request.session[ACCOUNT_RECEIPT] = receipt
            return redirect("account-deleted")
    return render(
        request, "accounts/delete.html", {"form": form}, status=400 if form.errors else 200
    )


ACCOUNT_RECEIPT = "account_deletion_receipt"


@require_GET
def account_deleted(request: HttpRequest) -> HttpResponse:
    """Goodbye, with the account's deletion receipt: shown this once (taken out of the session
    as it is shown), to read and to save."""
    receipt = request.session.pop(ACCOUNT_RECEIPT, None)
    if receipt is None:
        return redirect("home")
    document = json.loads(receipt)["receipt"]
    encoded = base64.b64encode(receipt.encode()).decode("ascii")
    response = render(
        request,
        "accounts/deleted.html",
        {
            "receipt": receipt,
            "document": document,
            "download": f"data:application/json;base64,{encoded}",
            "filename": f"pixme-receipt-account-{document['deleted_at'][:10]}.json",
        },
    )
    response["Cache-Control"] = NO_STORE
    return response


@login_required
@require_GET
def receipt_download(request: HttpRequest, receipt_id) -> HttpResponse:
    """One of the user's deletion receipts, as its signed JSON file."""
    receipt = receipt_for_user(user=request.user, uid=receipt_id)
    if receipt is None:
        raise Http404("No such receipt")
    return stored_file_response(
        io.BytesIO(receipt.document.encode()),
        content_type="application/json",
        cache_control=NO_STORE,
        filename=receipt_filename(receipt),
    )
