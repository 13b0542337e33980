from __future__ import annotations

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.http import HttpRequest

from accounts.models import MAX_REFERENCES, Profile, User
from pixme.errors import ApplicationError


@transaction.atomic
def user_create(*, username: str, password: str, email: str = "") -> User:
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ApplicationError("That username is taken.", code="username_taken")
    user = user_model.objects.create_user(username=username, email=email, password=password)
    Profile.objects.create(user=user, display_name=username)
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
    styles = data.pop("favourite_styles", None)
    references = data.pop("references", None)
    engine = data.get("default_engine")
    if engine:
        from avatars.engines.base import configured_engines

        offered = [slug for slug, _label in configured_engines()]
        if engine not in offered:
            raise ApplicationError(
                f"There's no engine {engine!r} here. Choose one of: {', '.join(offered)}."
            )
        if engine != profile.default_engine and "default_model" not in data:
            data["default_model"] = ""  # the old engine's model means nothing to the new one
    if data.get("default_model"):
        data["default_model"] = _default_model_check(
            engine=engine or profile.default_engine, model=data["default_model"]
        )
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
    from avatars.services.flags import profile_flag_check  # avatars imports accounts

    profile_flag_check(profile=profile, changed=data.keys())
    return profile


def _default_model_check(*, engine: str, model: str) -> str:
    """Only a model the engine offers on this site (aliases resolved to their model)."""
    from avatars.engines.base import EngineError, get_engine

    try:
        return get_engine(engine).resolve_model(model)
    except EngineError as exc:
        raise ApplicationError(exc.message, code="bad_option") from None


@transaction.atomic
def api_token_rotate(*, user: User) -> str:
    """Give ``user`` a new API token (the old one stops working) and return its key.

    The key is shown once; afterwards only the fact that a token exists is shown."""
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user).key


def api_token_obtain(*, request: HttpRequest, username: str, password: str) -> str:
    """The user's API token for a right username and password (made on first use).

    ``request`` goes to authenticate() so django-axes counts a failure against the username
    and the address, and refuses every try — right or wrong — while they are locked out."""
    from rest_framework.authtoken.models import Token

    user = authenticate(request, username=username, password=password)
    if user is None:
        raise ApplicationError("Wrong username or password.", code="bad_credentials")
    # A token exchange is a log-in: last_login moves and django-axes forgets earlier failures.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


@transaction.atomic
def api_token_revoke(*, user: User) -> None:
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
