"""What the API says of an avatar and its versions: one payload builder and its serializers,
so every endpoint (and its ETag) says the same."""

from __future__ import annotations

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from rest_framework import serializers

from avatars.live.snapshot import turn_snapshot
from avatars.models import Avatar, Turn
from avatars.selectors import (
    take_list_ranked,
    turn_likeness_words,
    turn_list_for_avatar,
    turn_skin_tone,
)
from avatars.sharing.services import share_path

STYLE_STRENGTH_HELP = (
    "More me ↔ more style: 0 is as close to your photo as the style allows, 100 the "
    "strongest style (default 50)."
)


def _api_url(request, turn: Turn, kind: str) -> str:
    return request.build_absolute_uri(f"/api/avatars/{turn.avatar_id}/turns/{turn.pk}/{kind}")


def avatar_api_url(request, avatar_id: int) -> str:
    return request.build_absolute_uri(f"/api/avatars/{avatar_id}/")


def turn_payload(request, turn: Turn) -> dict:
    snap = turn_snapshot(turn=turn)
    snap["parent"] = turn.parent_id
    snap["variant"] = turn.variant
    snap["signed"] = turn.signed
    snap["engine"] = turn.engine
    snap["model"] = turn.model
    snap["likeness_words"] = turn_likeness_words(turn)
    snap["likeness_photos"] = turn.likeness_photos
    snap["style_strength"] = turn.style_strength
    snap["skin_tone"] = turn_skin_tone(turn=turn)
    snap["image"] = _api_url(request, turn, "image.png") if turn.image else ""
    snap["image_webp"] = _api_url(request, turn, "image.webp") if turn.image else ""
    snap["thumbnail"] = _api_url(request, turn, "thumbnail.webp") if turn.thumbnail else ""
    return snap


def avatar_payload(request, avatar: Avatar) -> dict:
    path = share_path(avatar=avatar)
    turns = list(turn_list_for_avatar(avatar=avatar))
    return {
        "id": avatar.pk,
        "title": str(avatar),
        "style": avatar.style.slug,
        "face_note": avatar.face_note,
        "visibility": avatar.visibility,
        "share_url": request.build_absolute_uri(path) if path else "",
        "shared_turn": avatar.shared_turn_id,
        "moderation": avatar.moderation,
        "moderation_reason": avatar.moderation_reason,
        "photo_deleted_at": avatar.photo_deleted_at.isoformat()
        if avatar.photo_deleted_at
        else None,
        "current": avatar.current_turn_id,
        "created_at": avatar.created_at.isoformat(),
        "updated_at": avatar.updated_at.isoformat(),
        "turns": [turn_payload(request, turn) for turn in turns],
        "takes": [take.pk for take in take_list_ranked(turns=turns)],
    }


def payload_etag(payload: dict) -> str:
    """A strong validator: the hash of exactly what the answer says, so any change a poller
    cares about (a percent, a stage, a new version, a share) changes it."""
    body = json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder).encode()
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


# --- what the answers look like (the contract; avatar_payload and turn_payload build them) ----


class SkinToneSerializer(serializers.Serializer):
    delta = serializers.FloatField(
        help_text="CIEDE2000 colour difference of the face's skin (cheeks, forehead) from "
        "the photo's (1 is about the smallest step an eye tells apart)."
    )
    within = serializers.BooleanField(help_text="Within the tolerance (ΔE00 at most 8).")
    exempt = serializers.BooleanField(
        help_text="The style changes colour on purpose (Zombie, Neon, …): nothing is said."
    )
    direction = serializers.ListField(
        child=serializers.CharField(),
        help_text='What changed most first: "lighter", "darker", "greyer", …',
    )

    class Meta:
        ref_name = "SkinTone"


class TurnOutputSerializer(serializers.Serializer):
    turn = serializers.IntegerField(help_text="The version's id.")
    number = serializers.IntegerField(help_text="Version number within the avatar (1, 2, …).")
    kind = serializers.ChoiceField(choices=Turn.Kind.choices)
    instruction = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=Turn.Status.choices)
    stage = serializers.CharField(allow_blank=True, help_text="The stage's code, e.g. faces.")
    words = serializers.CharField(help_text="The stage (or the outcome) in a person's words.")
    percent = serializers.IntegerField(min_value=0, max_value=100)
    message = serializers.CharField(allow_blank=True, help_text="Progress, in a person's words.")
    model_text = serializers.CharField(allow_blank=True)
    error_code = serializers.CharField(allow_blank=True)
    error_message = serializers.CharField(allow_blank=True)
    retryable = serializers.BooleanField(
        help_text="A failure a retry could fix (busy, unavailable, cancelled); false otherwise."
    )
    signed = serializers.BooleanField(
        help_text="Its files carry our signed Content Credentials (C2PA): check one at "
        "/api/verify/."
    )
    likeness = serializers.FloatField(
        allow_null=True,
        help_text="Face-embedding distance to the selfie (< 0.6: the same person); null when "
        "no face was found, or while `likeness_pending`.",
    )
    likeness_words = serializers.CharField(
        help_text='The likeness in words, and what it was compared with: "strong likeness, '
        'compared with your photo", or "…, compared with your selfie and your 3 identity '
        'photos".'
    )
    likeness_photos = serializers.IntegerField(
        help_text="How many identity photos the likeness was compared with besides the selfie."
    )
    likeness_pending = serializers.BooleanField(
        help_text="Done, but its likeness is still being measured (for a moment after `done`; "
        "a `likeness` event follows on the socket)."
    )
    parent = serializers.IntegerField(allow_null=True, help_text="The version this one edits.")
    variant = serializers.IntegerField(
        min_value=0, help_text="Which take of the create it is (0: the first or only one)."
    )
    engine = serializers.CharField()
    model = serializers.CharField(allow_blank=True)
    style_strength = serializers.IntegerField(
        min_value=0, max_value=100, help_text=STYLE_STRENGTH_HELP
    )
    skin_tone = SkinToneSerializer(
        allow_null=True,
        help_text="The version's skin against the photo's, measured after it is drawn; null "
        "where no face was measured (or not yet).",
    )
    image = serializers.CharField(allow_blank=True, help_text="PNG download URL once done.")
    image_webp = serializers.CharField(allow_blank=True, help_text="WebP download URL.")
    thumbnail = serializers.CharField(allow_blank=True, help_text="Small WebP URL.")

    class Meta:
        ref_name = "Turn"


class AvatarOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    style = serializers.SlugField(help_text="The style's slug.")
    face_note = serializers.CharField(allow_blank=True)
    visibility = serializers.ChoiceField(choices=Avatar.Visibility.choices)
    share_url = serializers.CharField(allow_blank=True, help_text="Empty while private.")
    shared_turn = serializers.IntegerField(allow_null=True)
    moderation = serializers.ChoiceField(choices=Avatar.Moderation.choices)
    moderation_reason = serializers.CharField(allow_blank=True)
    photo_deleted_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When your photo (the selfie) was deleted, as you chose (`photo_retention` "
        "on your profile) or asked (`DELETE …/photo/`); null while it is kept. The avatar "
        "and its versions stay: edits and new takes are drawn from its first version.",
    )
    current = serializers.IntegerField(allow_null=True, help_text="The current version's id.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    turns = TurnOutputSerializer(many=True, help_text="Every version, oldest first.")
    takes = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The ids of the create's takes, finished ones first, most like you first "
        "(one id when one take was asked for). Keep one with the `revert` action.",
    )

    class Meta:
        ref_name = "Avatar"
