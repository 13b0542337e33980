"""Avatars for fixtures, drawn by the real studio engine once per test process and copied
after that.

The studio engine draws the same bytes from the same photo, style and instruction in one
process, so a copy of what a render left — its rows and its files — is what the test would
have had from drawing it again, in a tenth of the time. A copy is made only where everything
the render could depend on is as it was when it was drawn (:func:`_world`): every table's row
count and how many of them are the owner's, the owner, their profile, the styles, the avatar
being edited, the settings (but where files are kept: a copy writes through the test's own
storage) and what is drawn. Anything else gets a real render, which is then kept for the next
test in the same world.

Tests about drawing itself draw for real (``run_jobs`` around the service call); this is for
fixtures that need a finished avatar to test something else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models
from django.forms.models import model_to_dict
from django.utils import timezone

from accounts.models import Profile
from avatars.models import Avatar, Style, Turn

# What a render left, by the world it was drawn in (per process: each xdist worker has its own).
_KEPT: dict[str, dict] = {}

# Where files are kept: a copy writes its files through the test's own storage.
WHERE = {"MEDIA_ROOT", "STORAGES"}
FILES = ("image", "thumbnail", "webp")


def _fields(obj: models.Model, *drop: str) -> dict:
    """A row's stored values, by column (``owner_id``), but the ``drop``-ped fields."""
    fields = obj._meta.concrete_fields
    return {f.attname: getattr(obj, f.attname) for f in fields if f.name not in drop}


def _shape(obj: models.Model) -> dict:
    """A row's values that a copy keeps alike: no ids, links, file names or times."""
    kinds = (models.AutoField, models.ForeignKey, models.FileField, models.DateTimeField)
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not isinstance(f, kinds)
    }


def _owners_rows(owner) -> list[tuple[str, str, int]]:
    """How many rows of each table point at ``owner`` (the same counts in all could still be
    someone else's: an avatar's number is counted per owner)."""
    return sorted(
        (m._meta.label, f.name, m._default_manager.filter(**{f.name: owner}).count())
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if f.is_relation and f.related_model is type(owner)
    )


def _world(owner, what: str, avatar: Avatar | None) -> str:
    def plain(obj, *drop: str) -> dict:
        return {k: v for k, v in model_to_dict(obj).items() if k not in drop}

    names = [k for k in dir(settings) if k.isupper() and k not in WHERE]
    parts = [
        what,
        sorted((m._meta.label, m._default_manager.count()) for m in apps.get_models()),
        _owners_rows(owner),
        plain(owner, "id", "password", "last_login", "date_joined"),
        plain(Profile.objects.get(user=owner), "id", "user"),
        [plain(style) for style in Style.objects.order_by("slug")],
        sorted((k, repr(getattr(settings, k))) for k in names),
    ]
    if avatar is not None:
        avatar.refresh_from_db()
        parts.append(_shape(avatar))
        parts.append(bool(avatar.source))
        for turn in avatar.turns.order_by("number", "variant"):
            parent = (turn.parent.number, turn.parent.variant) if turn.parent_id else None
            parts.append((_shape(turn), parent, [bool(getattr(turn, f)) for f in FILES]))
        current = avatar.current_turn
        parts.append((current.number, current.variant) if current else None)
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _read(field) -> tuple[str, bytes]:
    with field.open("rb") as fh:
        return field.name.rsplit("/", 1)[-1], fh.read()


def _keep(avatar: Avatar, new: bool, before: set[int]) -> dict | None:
    """What ``avatar``'s render left, or None when a render did not succeed (not kept)."""
    turns = list(avatar.turns.exclude(pk__in=before).order_by("pk"))
    if any(t.status != Turn.Status.SUCCEEDED for t in turns):
        return None
    return {
        "new": new,
        "style": avatar.style.slug,
        "avatar": _fields(avatar, "id", "owner", "style", "source", "current_turn", "shared_turn"),
        "source": _read(avatar.source) if new and avatar.source else None,
        "has_source": bool(avatar.source),
        "turns": [
            {
                "fields": _fields(t, "id", "avatar", "parent", *FILES),
                "parent": (t.parent.number, t.parent.variant) if t.parent_id else None,
                "files": {f: _read(getattr(t, f)) for f in FILES if getattr(t, f)},
            }
            for t in turns
        ],
        "current": (avatar.current_turn.number, avatar.current_turn.variant)
        if avatar.current_turn
        else None,
    }


def _copy(owner, kept: dict, avatar: Avatar | None) -> Avatar:
    fields = dict(kept["avatar"])
    if kept["new"]:
        avatar = Avatar(owner=owner, style=Style.objects.get(slug=kept["style"]), **fields)
        if kept["source"]:
            name, data = kept["source"]
            avatar.source.save(name, ContentFile(data), save=False)
            # Read anew from the file as None: the drawn avatar's own.
            avatar.source_width, avatar.source_height = (
                fields["source_width"],
                fields["source_height"],
            )
        avatar.save()
    else:
        if avatar.source and not kept["has_source"]:
            avatar.source.delete(save=False)
            fields["source"] = ""
        Avatar.objects.filter(pk=avatar.pk).update(**fields)
    stamps = [t["fields"]["finished_at"] for t in kept["turns"] if t["fields"]["finished_at"]]
    shift = timezone.now() - max(stamps) if stamps else None
    for made in kept["turns"]:
        fields = dict(made["fields"])
        for stamp in ("started_at", "finished_at", "heartbeat_at"):
            if fields[stamp] is not None and shift is not None:
                fields[stamp] += shift
        parent = None
        if made["parent"]:
            number, variant = made["parent"]
            parent = avatar.turns.get(number=number, variant=variant)
        turn = Turn(avatar=avatar, parent=parent, **fields)
        for name, (filename, data) in made["files"].items():
            getattr(turn, name).save(filename, ContentFile(data), save=False)
        turn.save()
    if kept["current"]:
        number, variant = kept["current"]
        current = avatar.turns.get(number=number, variant=variant)
        Avatar.objects.filter(pk=avatar.pk).update(current_turn=current)
    avatar.refresh_from_db()
    return avatar


def drawn(owner, what: str, make: Callable[[], Avatar], avatar: Avatar | None = None) -> Avatar:
    """The avatar ``make()`` returns, drawn by it — or a copy of what it drew in the same
    world before. ``what``: the words for what ``make`` draws ("comics", "comics + add round
    glasses"); ``avatar``: the avatar ``make`` adds versions to (None: it makes a new one)."""
    world = _world(owner, what, avatar)
    if world in _KEPT:
        return _copy(owner, _KEPT[world], avatar)
    before = set(avatar.turns.values_list("pk", flat=True)) if avatar is not None else set()
    made = make()
    made.refresh_from_db()
    kept = _keep(made, avatar is None, before)
    if kept is not None:
        _KEPT[world] = kept
    return made
