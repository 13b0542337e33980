from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from knox.settings import knox_settings

from accounts.confirmation import email_confirmation_request
from accounts.models import MAX_REFERENCES, ApiToken, Profile, User
from accounts.retention import retention_check
from accounts.signals import profile_changed, profile_checking
from pixme.errors import ApplicationError


@transaction.atomic
def user_create(*, username: str, password: str, email: str = "") -> User:
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ApplicationError("That username is taken.", code="username_taken")
    user = user_model.objects.create_user(username=username, email=email, password=password)
    Profile.objects.create(user=user, display_name=username)
    email_confirmation_request(user=user)  # with an address: the link to confirm it
    return user


def profile_for_user(*, user: User) -> Profile:
    """The user's profile, created on first use (users made by createsuperuser have none)."""
    profile, _ = Profile.objects.get_or_create(
        user=user, defaults={"display_name": user.get_username()}
    )
    return profile


@transaction.atomic
def profile_update(*, profile: Profile, data: dict) -> Profile:
    """Update the fields in ``data`` (already validated by a form or serializer)."""

    user_suspension_check(user=profile.user, doing="change your profile")
    styles = data.pop("favourite_styles", None)
    references = data.pop("references", None)
    if "photo_retention" in data:
        retention_check(value=data["photo_retention"])
    # The engine and model are the avatars app's to judge (and a model's old name to update).
    profile_checking.send(sender=Profile, profile=profile, data=data)
    for field, value in data.items():
        setattr(profile, field, value)
    profile.full_clean(exclude=["user"])
    profile.save()
    if styles is not None:
        profile.favourite_styles.set(styles)
    if references is not None:
        refs = list(references)
        if len(refs) > MAX_REFERENCES:
            raise ApplicationError(f"Choose at most {MAX_REFERENCES} reference versions.")
        if any(t.avatar.owner_id != profile.user_id for t in refs):
            raise ApplicationError("References must be your own avatars.")
        profile.references.set(refs)
    profile_changed.send(sender=Profile, profile=profile, fields=set(data))
    return profile


# What POST /api/token/ names the token it makes when the caller gives no name.
PASSWORD_TOKEN_NAME = "password login"
# last_used_at is written at most this often per token: not a write on every request.
TOKEN_TOUCH_EVERY = timedelta(minutes=1)


def api_token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first (knox deletes expired ones lazily)."""
    now = timezone.now()
    return ApiToken.objects.filter(user=user).filter(Q(expiry__isnull=True) | Q(expiry__gt=now))


@transaction.atomic
def api_token_create(
    *, user: User, name: str, password_login: bool = False
) -> tuple[ApiToken, str]:
    """A new token named ``name`` for ``user``: the row and the secret, which is shown once
    (only its digest is kept). It expires after REST_KNOX["TOKEN_TTL"], if that is set.

    A user may hold TOKEN_LIMIT_PER_USER tokens. A ``password_login`` (POST /api/token/) then
    revokes the least recently used token of the same name instead of refusing, so a script
    that logs in on every run never locks itself out. Only a password log-in gives a
    suspended user a token: to take their data and leave (avatars.moderation.rules).
    """

    name = name.strip()
    if not name:
        raise ApplicationError("Give the token a name, e.g. “laptop” or “CI”.")
    # Serialise a user's creates, so two at once can't both pass the limit, and a suspension
    # (which revokes every token under this lock) either comes first and is seen, or after.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if not password_login:
        user_suspension_check(user=user, doing="create API tokens")
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    live = api_token_list_for_user(user=user)
    if limit is not None and live.count() >= limit:
        stale = None
        if password_login:
            stale = (
                live.filter(name=name)
                .order_by(F("last_used_at").asc(nulls_first=True), "created")
                .first()
            )
        if stale is None:
            raise ApplicationError(
                f"You have {limit} API tokens, the most one account may have. Revoke the ones "
                "you no longer use first.",
                code="token_limit",
            )
        stale.delete()
    return ApiToken.objects.create(user=user, name=name)


def api_token_obtain(
    *, request: HttpRequest, username: str, password: str, name: str = PASSWORD_TOKEN_NAME
) -> tuple[ApiToken, str]:
    """A new API token named ``name`` for a right username and password.

    ``request`` goes to authenticate() so django-axes counts a failure against the username
    and the address, and refuses every try — right or wrong — while they are locked out.
    Not one transaction: the failure django-axes records must outlive the refusal raised here.

    A suspended user gets one too, to take their data and leave: while they are suspended
    the API opens only the export and the account's deletion to it
    (pixme.api.permissions.NotSuspended)."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise ApplicationError("Wrong username or password.", code="bad_credentials")
    # A token exchange is a log-in: last_login moves and django-axes forgets earlier failures.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return api_token_create(user=user, name=name, password_login=True)


def api_token_touch(*, token: ApiToken) -> None:
    """Note that ``token`` was just used (at most one write per TOKEN_TOUCH_EVERY)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> None:
    """Revoke one of ``user``'s tokens; someone else's is ApiToken.DoesNotExist, as missing."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise ApiToken.DoesNotExist


@transaction.atomic
def api_token_revoke_all(*, user: User) -> None:
    """Every API token of ``user`` stops working (a new password, a closed account)."""
    ApiToken.objects.filter(user=user).delete()


# --- suspension (the rule: avatars/moderation/rules.py) ----------------------------------


def user_suspension_reason(*, user: User) -> str | None:
    """The moderator's reason if ``user`` is suspended now (read afresh), else None."""
    suspended = User.objects.filter(pk=user.pk, suspended_at__isnull=False)
    return suspended.values_list("suspension_reason", flat=True).first()


def user_suspension_check(*, user: User, doing: str) -> None:
    """Refuse ``doing`` (what the user can't do, e.g. "add webhooks") to a suspended user,
    with the moderator's reason. Reads the row afresh: the caller's user may predate the
    decision."""
    reason = user_suspension_reason(user=user)
    if reason is not None:
        raise ApplicationError(
            f"Your account is suspended, so you can't {doing}: {reason}", code="suspended"
        )
