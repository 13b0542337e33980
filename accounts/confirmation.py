"""A confirmed e-mail address: a signed link sent to it proves the account holds the mailbox.

The link (``/accounts/email/confirm/<token>/``) carries the account and the address it was
sent to, signed with the site's key and valid for ``PIXME_EMAIL_CONFIRM_DAYS``; nothing is
stored until it is opened. It is sent when an account is made with an address, when the
address changes, and when asked again (the profile page, ``POST /api/account/email/confirm/``),
by a job on the background queue (the console backend in the embedded default: the message
is in the server's log; SMTP when ``EMAIL_HOST`` is set).

An account's address is confirmed while ``User.email`` is the address the link confirmed
(``User.email_confirmed``); changing it, anywhere, un-confirms it at once. Apps that use the
confirmation (the picture URL) hear of every change through ``accounts.signals.email_changed``.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from accounts.models import User
from accounts.signals import email_changed
from pixme.errors import ApplicationError

logger = logging.getLogger(__name__)

SALT = "accounts.email-confirmation"
EMAIL_MAX = 254  # RFC 5321's longest path, and EmailField's


def email_normalised(address: str) -> str:
    """An address as its hash is taken (Gravatar's and Libravatar's rule): trimmed, lower-case."""
    return address.strip().lower()


def email_hashes(address: str) -> tuple[str, str]:
    """The MD5 and SHA-256 (hex) of an address as Gravatar and Libravatar clients hash it."""
    data = email_normalised(address).encode()
    return hashlib.md5(data, usedforsecurity=False).hexdigest(), hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class EmailState:
    address: str  # the account's address ('' when it has none)
    confirmed: bool
    confirmed_at: datetime | None


def email_confirmed_address(*, user: User) -> str | None:
    """The account's confirmed address (normalised), or None while it has none confirmed."""
    if user.email and user.email_confirmed == email_normalised(user.email):
        return user.email_confirmed
    return None


def email_state(*, user: User) -> EmailState:
    confirmed = email_confirmed_address(user=user) is not None
    return EmailState(user.email, confirmed, user.email_confirmed_at if confirmed else None)


def email_confirmation_token(*, user: User) -> str:
    """A signed token for the account's current address (URL-safe)."""
    return signing.dumps({"u": user.pk, "e": email_normalised(user.email)}, salt=SALT)


def email_confirmation_url(*, user: User) -> str:
    token = email_confirmation_token(user=user)
    return settings.SITE_URL.rstrip("/") + reverse("email-confirm", args=[token])


def email_confirmation_request(*, user: User) -> bool:
    """Send the confirmation link to the account's address, once the transaction commits (a
    job). False when there is nothing to confirm: no address, or confirmed already."""
    if not user.email or email_confirmed_address(user=user) is not None:
        return False
    user_id = user.pk
    transaction.on_commit(lambda: email_confirmation_deliver.enqueue(user_id))
    return True


@task(queue_name=settings.PIXME_BACKGROUND_QUEUE)
def email_confirmation_deliver(user_id: int) -> None:
    email_confirmation_send(user_id=user_id)


def email_confirmation_send(*, user_id: int) -> bool:
    """Send the link for the address the account has now (read afresh: a job may run after a
    second change); nothing for an account gone, without an address or confirmed since."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email or email_confirmed_address(user=user) is not None:
        return False
    days = settings.PIXME_EMAIL_CONFIRM_DAYS
    send_mail(
        subject="Confirm your e-mail address for Pix Me!",
        message=(
            f"Hello {user.get_username()},\n\n"
            f"Open this link to confirm that {user.email} is yours:\n\n"
            f"{email_confirmation_url(user=user)}\n\n"
            f"The link works for {days} day{'s' if days != 1 else ''}. Once the address is "
            "confirmed you can show an avatar at your picture URL, which sites that show "
            "Gravatar or Libravatar pictures find by your address.\n\n"
            "If you didn't ask for this, ignore this message: nothing changes.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )
    logger.info("sent the e-mail confirmation link to user %s", user.pk)
    return True


@transaction.atomic
def email_confirm(*, token: str) -> User:
    """Confirm the address a link was sent to, for the account it was sent for (whoever opens
    it: the link is the proof). Refused when it was altered, has expired, or the account's
    address has changed since. Another account that had confirmed the same address loses
    that confirmation: the mailbox's holder just proved it again for this one."""
    max_age = timedelta(days=settings.PIXME_EMAIL_CONFIRM_DAYS)
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise ApplicationError(
            "This confirmation link has expired. Ask for a new one on your profile page.",
            code="link_expired",
        ) from None
    except signing.BadSignature:
        raise ApplicationError(
            "This confirmation link isn't right: copy the whole link from the message.",
            code="bad_link",
        ) from None
    user = User.objects.select_for_update().filter(pk=data.get("u")).first()
    if user is None:
        raise ApplicationError(
            "This confirmation link is for an account that is gone.", code="bad_link"
        )
    address = data.get("e", "")
    if email_normalised(user.email) != address:
        raise ApplicationError(
            "This link was sent to an address the account no longer has. Use the link in the "
            "latest message, or ask for a new one on your profile page.",
            code="link_stale",
        )
    if user.email_confirmed == address:
        return user  # opened twice: nothing more to do
    others = list(User.objects.filter(email_confirmed=address).exclude(pk=user.pk))
    User.objects.filter(pk__in=[o.pk for o in others]).update(
        email_confirmed="", email_confirmed_at=None
    )
    user.email_confirmed, user.email_confirmed_at = address, timezone.now()
    user.save(update_fields=["email_confirmed", "email_confirmed_at"])
    for changed in (*others, user):
        changed.refresh_from_db(fields=["email_confirmed", "email_confirmed_at"])
        email_changed.send(sender=User, user=changed)
    return user


@transaction.atomic
def email_change(*, request: HttpRequest, user: User, email: str, password: str) -> User:
    """A new address for the account, once its password is right (a borrowed session can't
    redirect the password resets): unconfirmed until the link just sent to it is opened.
    ``request`` lets django-axes count a wrong password like a failed log-in."""
    email = email.strip()
    if len(email) > EMAIL_MAX:
        raise ApplicationError(f"An address has at most {EMAIL_MAX} characters.", code="bad_email")
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(
            "That doesn't look like an e-mail address.", code="bad_email"
        ) from None
    if not password:
        raise ApplicationError(
            "Type your password to change the address.", code="password_required"
        )
    if authenticate(request, username=user.get_username(), password=password) is None:
        raise ApplicationError(
            "That password isn't right, so the address is unchanged.", code="wrong_password"
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.email == email:
        return user
    user.email = email
    user.save(update_fields=["email"])
    email_changed.send(sender=User, user=user)
    email_confirmation_request(user=user)
    return user
