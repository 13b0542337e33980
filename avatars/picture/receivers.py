"""What the picture URL hears: the profile page asks for its section, an address changes or
is confirmed, and whatever a hash's answer depends on changes — the owner (a suspension),
the avatar (a moderator's decision), its current version, the picture row itself."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from accounts import signals as account
from accounts.models import User
from avatars.models import Avatar, Picture
from avatars.picture.services import (
    picture_email_changed,
    picture_forget_avatar,
    picture_forget_hashes,
    picture_forget_owner,
    picture_sizes_delete,
)
from avatars.signals import avatar_current_changed


def connect() -> None:
    account.profile_page.connect(_profile_section, dispatch_uid="picture.profile_page")
    account.email_changed.connect(_email_changed, dispatch_uid="picture.email_changed")
    post_save.connect(_user_saved, sender=User, dispatch_uid="picture.user_saved")
    post_save.connect(_avatar_saved, sender=Avatar, dispatch_uid="picture.avatar_saved")
    post_delete.connect(_picture_deleted, sender=Picture, dispatch_uid="picture.deleted")
    avatar_current_changed.connect(_current_changed, dispatch_uid="picture.current_changed")


def _profile_section(*, request, **kwargs) -> dict:
    from avatars.picture.views import picture_profile_context

    return picture_profile_context(request)


def _email_changed(*, user, **kwargs) -> None:
    picture_email_changed(user=user)


def _user_saved(*, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # every log-in: nothing an answer depends on
    picture_forget_owner(owner_id=instance.pk)


def _avatar_saved(*, instance, created=False, **kwargs) -> None:
    if instance.moderation == Avatar.Moderation.REMOVED:
        picture_sizes_delete(avatar=instance)  # its pictures are deleted: their sizes too
    if not created:
        picture_forget_owner(owner_id=instance.owner_id)


def _picture_deleted(*, instance, **kwargs) -> None:
    picture_forget_hashes(hashes={instance.md5, instance.sha256} - {""})


def _current_changed(*, avatar_id, **kwargs) -> None:
    picture_forget_avatar(avatar_id=avatar_id)
