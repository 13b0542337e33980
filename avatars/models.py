"""The avatars app's tables: styles, avatars and their versions (turns), shares, reports,
moderation, reels, the picture URL's choices, identity photos, cut-outs and sticker packs.

Over the 400 lines a module gets here, on purpose: every model keeps its app label and its
migrations (no table moves between apps), and one module per app is where Django, the admin
and every reader look for them; the features' logic lives in their packages.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.templatetags.static import static

from accounts.models import User


class Style(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=60)
    description = models.CharField(max_length=300)
    prompt_template = models.TextField(
        help_text="The brief for generative engines. {name} and {caption} are filled in."
    )
    studio_recipe = models.SlugField(
        blank=True, help_text="The studio style module that renders it (defaults to the slug)."
    )
    enabled = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def recipe(self) -> str:
        return self.studio_recipe or self.slug

    @property
    def sample_url(self) -> str:
        return static(f"styles/{self.slug}.webp")


def _source_path(instance: Avatar, filename: str) -> str:
    return f"u{instance.owner_id}/{secrets.token_hex(8)}/source.jpg"


def _turn_path(instance: Turn, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1]
    return f"u{instance.avatar.owner_id}/turns/{instance.avatar_id}-{secrets.token_hex(6)}.{ext}"


class Avatar(models.Model):
    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private"
        LINK = "link", "Anyone with the link"

    class Moderation(models.TextChoices):
        OK = "ok", "OK"
        FLAGGED = "flagged", "Flagged for review"
        HIDDEN = "hidden", "Hidden by a moderator"
        REMOVED = "removed", "Removed by a moderator"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="avatars"
    )
    title = models.CharField(max_length=120, blank=True)
    # Numbered per owner (1, 2, …): "Comics avatar #1" is the user's first, not the site's.
    number = models.PositiveIntegerField(default=0)
    style = models.ForeignKey(Style, on_delete=models.PROTECT, related_name="avatars")
    source = models.ImageField(
        upload_to=_source_path, width_field="source_width", height_field="source_height"
    )
    source_width = models.PositiveIntegerField(default=0)
    source_height = models.PositiveIntegerField(default=0)
    # When the selfie was deleted while the avatar stays (the owner's retention choice, or
    # their own click): its versions, edits and shares go on from the first version.
    photo_deleted_at = models.DateTimeField(null=True, blank=True)
    # The face analysis of the source, computed once (avatars.faces.FaceAnalysis.to_dict()).
    source_faces = models.JSONField(null=True, blank=True)
    # Where the person is in the source, found once (avatars.person.PersonMask.to_dict()).
    source_person = models.JSONField(null=True, blank=True)
    face_note = models.CharField(max_length=200, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    share_token = models.CharField(max_length=32, unique=True, null=True, blank=True)
    # The owner chose to show the reel on the shared page too (it starts from the selfie, or
    # from the first version once the selfie is deleted).
    share_reel = models.BooleanField(default=False)
    # The version the link shows (None: whichever is current).
    shared_turn = models.ForeignKey(
        "Turn", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderation = models.CharField(
        max_length=10, choices=Moderation.choices, default=Moderation.OK, db_index=True
    )
    # Why a moderator hid or removed it, as the owner reads it on the avatar's page.
    moderation_reason = models.CharField(max_length=500, blank=True)
    # Why the automatic checks flagged it (a safety refusal, a blocklisted word).
    flag_reason = models.CharField(max_length=300, blank=True)
    current_turn = models.ForeignKey(
        "Turn", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return self.title or f"{self.style.name} avatar #{self.number or self.pk}"


class Turn(models.Model):
    """One version of an avatar: a generation or an edit, and the job that makes it."""

    class Kind(models.TextChoices):
        GENERATE = "generate", "Generate"
        EDIT = "edit", "Edit"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class AfterWork(models.TextChoices):
        """What is left to do after "done" (avatars.services.after_work)."""

        NONE = "", "Nothing"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    avatar = models.ForeignKey(Avatar, on_delete=models.CASCADE, related_name="turns")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    number = models.PositiveIntegerField(help_text="Version number within the avatar (1, 2, …).")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GENERATE)
    # Which take of a several-take create this is (0: the first, or the only one); engines
    # vary their drawing by it, so takes differ.
    variant = models.PositiveSmallIntegerField(default=0)
    # "More me ↔ more style" (avatars.engines.base: 0 as close to the photo as the style
    # allows, 100 the strongest style), as asked for this version.
    style_strength = models.PositiveSmallIntegerField(
        default=50,
        validators=[MaxValueValidator(100)],
        help_text="0 = as close to the photo as the style allows, 100 = the strongest style.",
    )
    instruction = models.TextField(blank=True, max_length=2000)
    engine = models.CharField(max_length=20, default="studio")
    model = models.CharField(max_length=60, blank=True)
    aspect_ratio = models.CharField(max_length=8, blank=True)
    image_size = models.CharField(max_length=8, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    stage = models.CharField(max_length=30, blank=True)
    percent = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    model_text = models.TextField(blank=True)
    # The engine's own record of its reply (Gemini: Content with thought signatures).
    model_content = models.JSONField(null=True, blank=True)
    image = models.FileField(upload_to=_turn_path, blank=True)
    thumbnail = models.FileField(upload_to=_turn_path, blank=True)
    # The WebP download, encoded once (after "done", or at the first download of an older
    # version) and kept, instead of per request.
    webp = models.FileField(upload_to=_turn_path, blank=True)
    # The faces found in this version's own picture (when its likeness was measured): an
    # edit of it places glasses and hats with these instead of detecting them again.
    faces = models.JSONField(null=True, blank=True)
    # Where the person is in this version's own picture (avatars.person.PersonMask.to_dict()),
    # found once after it is shown: its background edits and cut-outs use it.
    person = models.JSONField(null=True, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    likeness = models.FloatField(
        null=True,
        blank=True,
        help_text="Face-embedding distance to the selfie (< 0.6: same person); with identity "
        "photos, the mean of the distances to the selfie and to each of them.",
    )
    # How many identity photos the likeness was compared with besides the selfie (0: none).
    likeness_photos = models.PositiveSmallIntegerField(default=0)
    # The version's skin against the photo's (avatars.skin.SkinCheck.to_dict(): delta,
    # within, exempt, direction), measured by its after-work; null where no face was measured.
    skin_tone = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=30, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    flagged = models.BooleanField(
        default=False, help_text="The engine refused it on safety grounds."
    )
    signed = models.BooleanField(
        default=False,
        help_text="Its files carry a signed C2PA manifest (Content Credentials). Off for "
        "versions from before, and when signing failed (the reason is in the log).",
    )
    usage = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Which claim of this turn is running (bumped by every claim): a job that was cancelled
    # and retried must not write over the new run.
    run = models.PositiveIntegerField(default=0)
    # Last sign of life from the job running it (the render, then its after-work); stale
    # running turns and after-work are re-queued.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # A succeeded version's after-work (its likeness, its stored WebP), done by a job of its
    # own after "done": set in the same update that marks it succeeded, so none is lost.
    after_work = models.CharField(
        max_length=10, choices=AfterWork.choices, default=AfterWork.NONE, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["avatar", "number"]
        constraints = [
            models.UniqueConstraint(fields=["avatar", "number"], name="turn_number_unique")
        ]
        # Recovery looks for after-work left undone: a few rows among all versions.
        indexes = [
            models.Index(
                fields=["after_work"],
                condition=~models.Q(after_work=""),
                name="turn_after_work_pending",
            )
        ]

    def __str__(self) -> str:
        return f"v{self.number} of avatar #{self.avatar_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def likeness_pending(self) -> bool:
        """Shown, but its likeness is still to be measured (its after-work is not done)."""
        return self.status == self.Status.SUCCEEDED and self.after_work != self.AfterWork.NONE


def _reel_path(instance: Reel, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1]
    return f"u{instance.avatar.owner_id}/reels/{instance.avatar_id}-{secrets.token_hex(6)}.{ext}"


class Reel(models.Model):
    """An avatar's animation from the selfie through each version on the path to the current
    one, made by a job on demand and kept until that path changes (a new edit, a revert)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Making"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    avatar = models.OneToOneField(Avatar, on_delete=models.CASCADE, related_name="reel")
    # Which path it shows: the versions' ids and pictures, hashed (services/reels.py).
    key = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    percent = models.PositiveSmallIntegerField(default=0)
    error_message = models.CharField(max_length=300, blank=True)
    webp = models.FileField(upload_to=_reel_path, blank=True)
    gif = models.FileField(upload_to=_reel_path, blank=True)
    frames = models.PositiveSmallIntegerField(default=0)
    seconds = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Reel of avatar #{self.avatar_id} ({self.status})"


def _cutout_path(instance: Cutout, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1]
    avatar = instance.turn.avatar
    return f"u{avatar.owner_id}/cutouts/{avatar.pk}-{secrets.token_hex(6)}.{ext}"


class Cutout(models.Model):
    """A version's transparent download (the person on a transparent ground, optionally with
    a die-cut white outline and a soft shadow), made once per (version, outline, shadow,
    format) like the WebP download and kept: a row per file, so its file goes with it
    (django-cleanup) however it goes — the version's avatar deleted, a moderator's removal,
    or the oldest cut-outs of a version making room (avatars.cutouts.services)."""

    class Format(models.TextChoices):
        PNG = "png", "PNG"
        WEBP = "webp", "WebP"

    turn = models.ForeignKey(Turn, on_delete=models.CASCADE, related_name="cutouts")
    outline = models.PositiveSmallIntegerField(default=0, help_text="The white border, in px.")
    shadow = models.BooleanField(default=False)
    format = models.CharField(max_length=4, choices=Format.choices)
    file = models.FileField(upload_to=_cutout_path)
    signed = models.BooleanField(default=False, help_text="It carries Content Credentials.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["turn", "outline", "shadow", "format"], name="cutout_once_per_variant"
            )
        ]

    def __str__(self) -> str:
        return f"Cut-out of turn #{self.turn_id} ({self.format}, outline {self.outline})"


def _sticker_pack_path(instance: StickerPack, filename: str) -> str:
    return f"u{instance.owner_id}/stickers/{instance.messenger}-{secrets.token_hex(6)}.zip"


class StickerPack(models.Model):
    """A zip of stickers for one messenger, made by a job from chosen versions of the owner's
    avatars (avatars.stickers). It holds those versions' pictures, so it goes with any of
    them (see :func:`_sticker_pack_item_turn_deleted`) and with a moderator's removal."""

    class Messenger(models.TextChoices):
        WHATSAPP = "whatsapp", "WhatsApp"
        TELEGRAM = "telegram", "Telegram"
        SIGNAL = "signal", "Signal"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Making"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sticker_packs"
    )
    messenger = models.CharField(max_length=10, choices=Messenger.choices)
    # Which versions' pictures, in which order, for which messenger (hashed): asking again
    # for the same pack answers the one made or being made.
    key = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    percent = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=30, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to=_sticker_pack_path, blank=True)
    count = models.PositiveSmallIntegerField(default=0)
    # How many of its files carry Content Credentials (all, unless one's history is too
    # long to fit the messenger's byte limit with it: see avatars.stickers.services).
    signed = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_messenger_display()} stickers #{self.pk} ({self.status})"


def _sticker_pack_item_turn_deleted(collector, field, sub_objs, using) -> None:
    """A version in a pack is deleted (its avatar is): the whole pack goes, zip and all, not
    just the version's place in it: the zip still holds that version's picture."""
    packs = StickerPack.objects.using(using).filter(items__in=sub_objs).distinct()
    collector.collect(
        packs, source=field.remote_field.model, nullable=False, fail_on_restricted=False
    )


class StickerPackItem(models.Model):
    pack = models.ForeignKey(StickerPack, on_delete=models.CASCADE, related_name="items")
    turn = models.ForeignKey(
        Turn, on_delete=_sticker_pack_item_turn_deleted, related_name="sticker_pack_items"
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["pack", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pack", "position"], name="sticker_pack_position")
        ]

    def __str__(self) -> str:
        return f"Sticker {self.position} of pack #{self.pack_id}"


class Report(models.Model):
    """A signed-in visitor's report of a shared avatar; the owner is never told who."""

    class Reason(models.TextChoices):
        SEXUAL = "sexual", "Sexual or nude content"
        VIOLENCE = "violence", "Violence or gore"
        HATE = "hate", "Hate or harassment"
        IMPERSONATION = "impersonation", "Pretends to be a real person"
        SPAM = "spam", "Spam or scam"
        OTHER = "other", "Something else"

    avatar = models.ForeignKey(Avatar, on_delete=models.CASCADE, related_name="reports")
    # Anonymised (NULL) when the reporter deletes their account; the report stays.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(blank=True, max_length=1000)
    resolved = models.BooleanField(default=False, db_index=True)
    # Whether the reporter was an established account when they reported (see
    # avatars.selectors.reporter_is_established): only these reports pause a link.
    established = models.BooleanField("from an established account", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["avatar", "reporter"], name="report_once_per_person")
        ]

    def __str__(self) -> str:
        return f"Report on avatar #{self.avatar_id} ({self.get_reason_display()})"


class BlockedTerm(models.Model):
    """A word or phrase moderators want to see: an instruction, title, caption or display name
    containing it flags the avatar for review (case-insensitive, whole words)."""

    term = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


class ModerationAction(models.Model):
    """Audit trail: who did what to which avatar or user, why and when. It outlives what it
    describes: the descriptions stay when the avatar or the user is deleted."""

    avatar = models.ForeignKey(
        Avatar, null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation_actions"
    )
    avatar_repr = models.CharField(max_length=200, blank=True)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_subject_of",
    )
    subject_user_repr = models.CharField(max_length=150, blank=True)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderator_repr = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=30)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} on {self.avatar_repr or self.subject_user_repr}"


class SuspendedUser(User):
    """Suspended accounts, as the moderators' admin lists them (no table of its own): a
    moderator reinstates from here without the right to edit users."""

    class Meta:
        proxy = True
        verbose_name = "suspended user"


class Picture(models.Model):
    """What a user shows at their picture URL (``/avatar/<hash of their address>``,
    avatars.picture): one of their avatars, following its current version, or one fixed
    version of it. No row: nothing shown (the default)."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="picture"
    )
    avatar = models.ForeignKey(Avatar, on_delete=models.CASCADE, related_name="+")
    # None: whichever version is current.
    turn = models.ForeignKey(
        Turn, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The MD5 and SHA-256 of the owner's confirmed address it answers to ('' while none is
    # confirmed); each answer checks the address is still confirmed and still hashes to it.
    md5 = models.CharField(max_length=32, blank=True, db_index=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Picture of user #{self.owner_id}"


def _picture_size_path(instance: PictureSize, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1]
    owner = instance.turn.avatar.owner_id
    return f"u{owner}/pictures/{instance.turn_id}-{secrets.token_hex(6)}.{ext}"


class PictureSize(models.Model):
    """A version's square framed on the face, at one size and format, made once (for the
    picture URL and the profile-picture exports) and served from then on; deleted with the
    version, or when a moderator removes its pictures, and its file with it."""

    class Format(models.TextChoices):
        PNG = "png", "PNG"
        WEBP = "webp", "WebP"
        CIRCLE = "circle", "PNG, round"

    turn = models.ForeignKey(Turn, on_delete=models.CASCADE, related_name="picture_sizes")
    side = models.PositiveSmallIntegerField()
    fmt = models.CharField(max_length=8, choices=Format.choices)
    # Which square of the picture it shows (avatars.picture.framing.Square.key): a version's
    # faces measured after it was first served frame it anew.
    framing = models.CharField(max_length=40)
    file = models.FileField(upload_to=_picture_size_path)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["turn", "side", "fmt", "framing"], name="picture_size_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.side} px {self.fmt} of turn #{self.turn_id}"


def _identity_photo_path(instance: IdentityPhoto, filename: str) -> str:
    return f"u{instance.owner_id}/identity/{secrets.token_hex(8)}.jpg"


class IdentityPhoto(models.Model):
    """One of up to five photos of a user that hold their identity (avatars.identity_photos):
    sent to Gemini as character references, and what every version's likeness is measured
    against. Stored as checked uploads are: decoded, turned upright, re-encoded without
    metadata."""

    class Angle(models.TextChoices):
        FRONT = "front", "Facing the camera"
        LEFT = "left", "Turned to your left"
        RIGHT = "right", "Turned to your right"
        SMILE = "smile", "Smiling"
        OTHER = "other", "One of your choice"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity_photos"
    )
    angle = models.CharField(max_length=8, choices=Angle.choices)
    photo = models.ImageField(upload_to=_identity_photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    # Its face (avatars.faces.FaceAnalysis.to_dict(), with the identity embedding), found once.
    faces = models.JSONField()
    # What the check saw (avatars.identity.PhotoCheck): yaw, roll, sharpness, brightness.
    seen = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_angle_display()} photo of user #{self.owner_id}"
