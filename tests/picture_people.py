"""What the picture URL's tests share: an owner with a confirmed address and a published
avatar, and the ways to read an answer."""

from __future__ import annotations

import hashlib
import io

from django.utils import timezone
from PIL import Image

ALICE = "Alice@Example.com"


def confirm(user, address: str) -> None:
    """The address as if its link had been opened (the link itself: test_email_confirmation)."""
    user.email = address
    user.email_confirmed = address.strip().lower()
    user.email_confirmed_at = timezone.now()
    user.save()


def md5(address: str) -> str:
    return hashlib.md5(address.strip().lower().encode()).hexdigest()


def sha256(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def picture(response) -> Image.Image:
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def published(user, avatar, turn=None):
    from avatars.picture.services import picture_publish

    return picture_publish(user=user, avatar=avatar, turn=turn)
