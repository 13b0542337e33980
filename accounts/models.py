from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

BACKSTORY_MAX = 20_000
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_REFERENCES = 3


class User(AbstractUser):
    """Our own user model from the first migration, so it can grow without a painful swap."""

    # Set by a moderator: no new generations, no API, no shared links; the reason is shown.
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=500, blank=True)
    # The address a signed link confirmed (trimmed, lower-cased: accounts.confirmation), and
    # when. The account's address is confirmed only while ``email`` still is this one: a
    # changed address, however it was changed (the site, the admin, the shell), is not.
    email_confirmed = models.EmailField(blank=True, db_index=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    def save(self, *args, **kwargs):
        # A new password ends the sessions (Django hashes it into them) and must end API
        # tokens too, and lifts a log-in lockout on the username. Here rather than in the
        # views: the change and reset pages, the admin, `changepassword` and the shell all
        # change a password through set_password() + save().
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            from accounts.lockout import lockout_reset

            ApiToken.objects.filter(user=self).delete()  # every token: as api_token_revoke_all
            lockout_reset(username=self.get_username())


def validate_palette(value: str) -> None:
    colours = [c.strip() for c in value.split(",") if c.strip()]
    if len(colours) > 8:
        raise ValidationError("Choose at most 8 colours.")
    bad = [c for c in colours if not HEX_COLOUR.match(c)]
    if bad:
        raise ValidationError(
            "Colours must look like #ff8800; these don't: %(bad)s", params={"bad": ", ".join(bad)}
        )


class PhotoRetention(models.TextChoices):
    """How long the user's photo (the selfie each avatar is drawn from) is kept. Its order,
    shortest first, is ``settings.PHOTO_RETENTIONS``; the operator sets the default and the
    longest allowed (accounts.retention)."""

    WHEN_DONE = "when_done", "Delete my photo once my avatar is done"
    DAYS_30 = "days_30", "Delete my photo 30 days after I upload it"
    KEEP = "keep", "Keep my photo until I delete the avatar"


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    display_name = models.CharField(max_length=80, blank=True)
    backstory = models.TextField(
        blank=True,
        validators=[MaxLengthValidator(BACKSTORY_MAX)],
        help_text="Who you are, in your words. Sent to generative engines as context.",
    )
    palette = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_palette],
        help_text="Comma-separated colours, e.g. #ff3366, #22ccff",
    )
    traits = models.TextField(
        "traits to keep",
        blank=True,
        max_length=1000,
        help_text="Things every avatar should keep, e.g. 'always wears round glasses'.",
    )
    caption = models.CharField(
        max_length=60, blank=True, help_text="A name or motto to letter onto avatars."
    )
    favourite_styles = models.ManyToManyField("avatars.Style", blank=True, related_name="+")
    default_engine = models.CharField(max_length=20, default="studio")
    default_model = models.CharField(max_length=60, blank=True)
    references = models.ManyToManyField(
        "avatars.Turn",
        blank=True,
        related_name="+",
        help_text="Up to three earlier versions sent as identity references.",
    )
    daily_quota = models.PositiveIntegerField(
        null=True, blank=True, help_text="Generations per day; empty uses the site default."
    )
    # Empty: never chosen, so the site's default (which the operator may change) applies.
    photo_retention = models.CharField(
        "keep my photo", max_length=10, choices=PhotoRetention.choices, blank=True
    )

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()

    @property
    def palette_colours(self) -> tuple[str, ...]:
        return tuple(c.strip().lower() for c in self.palette.split(",") if c.strip())


class ApiToken(AbstractAuthToken):
    """A named API token (django-rest-knox's, swapped in by KNOX_TOKEN_MODEL).

    knox keeps the SHA-512 ``digest`` of the secret and its first characters (``token_key``)
    to find it; the secret itself is shown once. Ours adds a name, when it was last used, and
    a plain integer id (knox's key is the digest, which is neither for URLs nor for eyes)."""

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(max_length=64)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def prefix(self) -> str:
        """Enough of the secret's start to tell tokens apart, never enough to guess it."""
        return self.token_key[:8]


class DeletionReceipt(models.Model):
    """What the site deleted of a person's — a photo, an avatar — when and why, as the signed
    receipt they can download and check (accounts.receipts). Kept for them until their account
    goes (an account's own receipt is handed over once, never stored)."""

    class Kind(models.TextChoices):
        PHOTO = "photo", "Photo"
        AVATAR = "avatar", "Avatar"
        ACCOUNT = "account", "Account"

    class Reason(models.TextChoices):
        USER = "user", "You deleted it"
        RETENTION = "retention", "Your choice of how long to keep your photo"
        MODERATOR = "moderator", "A moderator removed it"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deletion_receipts"
    )
    uid = models.UUIDField("receipt id", default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=10, choices=Reason.choices)
    subject = models.CharField(max_length=200, help_text="What was deleted, in words.")
    created_at = models.DateTimeField()
    # The receipt exactly as signed and downloaded: a byte changed and it no longer verifies.
    document = models.TextField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} receipt: {self.subject}"
