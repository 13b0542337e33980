"""Moderation: the queue's decisions on avatars, suspending and reinstating users, and the
audit record every one of them leaves.

Each decision writes exactly one ``ModerationAction`` in the same transaction, with text
descriptions of the moderator, the avatar and the user, so the record still reads right after
any of them is deleted. A moderator's decision needs a reason: the owner reads it.
"""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts.models import DeletionReceipt, User
from avatars.models import (
    Avatar,
    Cutout,
    ModerationAction,
    Reel,
    Report,
    StickerPack,
    Turn,
)
from avatars.retention.services import avatar_deletion, avatar_receipt_record
from pixme.errors import ApplicationError

AUTOMATIC = "automatic"


class Decision:
    """The ``action`` values of the audit record."""

    APPROVE = "approve"
    HIDE = "hide"
    REMOVE = "remove"
    FLAG = "flag"
    SUSPEND = "suspend"
    SUSPEND_LIFT = "suspend_lift"


def _user_repr(user: User) -> str:
    return f"{user.get_username()} (#{user.pk})"


def _avatar_repr(avatar: Avatar) -> str:
    return f"#{avatar.pk} “{avatar}” by {avatar.owner.get_username()}"[:200]


def moderation_action_record(
    *,
    moderator: User | None,
    action: str,
    reason: str,
    avatar: Avatar | None = None,
    subject_user: User | None = None,
) -> ModerationAction:
    """The audit record: who (None: an automatic check), what, on which avatar or user, why."""
    subject_user = subject_user or (avatar.owner if avatar is not None else None)
    return ModerationAction.objects.create(
        avatar=avatar,
        avatar_repr=_avatar_repr(avatar) if avatar is not None else "",
        subject_user=subject_user,
        subject_user_repr=_user_repr(subject_user) if subject_user is not None else "",
        moderator=moderator,
        moderator_repr=_user_repr(moderator) if moderator is not None else AUTOMATIC,
        action=action,
        reason=reason,
    )


def _reason_check(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ApplicationError("Give a reason: the owner reads it.", code="reason_required")
    return reason[:500]


def _locked(avatar: Avatar) -> Avatar:
    """The avatar's row afresh, locked until the decision commits (two moderators at once
    decide one after the other, each on what the other left)."""
    return Avatar.objects.select_for_update().select_related("owner", "style").get(pk=avatar.pk)


@transaction.atomic
def avatar_approve(*, avatar: Avatar, moderator: User, reason: str) -> Avatar:
    """Nothing wrong with it: back to OK, the automatic flag cleared, its reports resolved."""
    reason = _reason_check(reason)
    avatar = _locked(avatar)
    if avatar.moderation == Avatar.Moderation.REMOVED:
        raise ApplicationError(f"Avatar #{avatar.pk} was removed: its pictures are gone.")
    avatar.moderation = Avatar.Moderation.OK
    avatar.moderation_reason = ""
    avatar.flag_reason = ""
    avatar.save(update_fields=["moderation", "moderation_reason", "flag_reason", "updated_at"])
    Report.objects.filter(avatar=avatar, resolved=False).update(resolved=True)
    moderation_action_record(
        moderator=moderator, action=Decision.APPROVE, reason=reason, avatar=avatar
    )
    return avatar


@transaction.atomic
def avatar_hide(*, avatar: Avatar, moderator: User, reason: str) -> Avatar:
    """Nobody but its owner sees it (its shared link stops showing it) and nobody changes it
    (avatars.moderation.rules); nothing is deleted, so an approval brings it back
    as it was. Versions still queued or being drawn are cancelled: a retry after an approval
    draws them again."""
    reason = _reason_check(reason)
    avatar = _locked(avatar)
    if avatar.moderation == Avatar.Moderation.REMOVED:
        raise ApplicationError(f"Avatar #{avatar.pk} was removed: there is nothing to hide.")
    Turn.objects.filter(avatar=avatar, status__in=[Turn.Status.QUEUED, Turn.Status.RUNNING]).update(
        status=Turn.Status.CANCELLED,
        message="Cancelled: a moderator hid this avatar",
        finished_at=timezone.now(),
    )
    avatar.moderation = Avatar.Moderation.HIDDEN
    avatar.moderation_reason = reason
    avatar.save(update_fields=["moderation", "moderation_reason", "updated_at"])
    moderation_action_record(
        moderator=moderator, action=Decision.HIDE, reason=reason, avatar=avatar
    )
    return avatar


@transaction.atomic
def avatar_remove(*, avatar: Avatar, moderator: User, reason: str) -> Avatar:
    """The pictures go for good — every version's files and the selfie, with the face
    analysis made from it — while the rows stay, so the owner and the record can say what
    happened. The owner gets a signed receipt of the files, read just before they go. The
    files are deleted once this commits: a rollback leaves them in place (and no receipt)."""
    reason = _reason_check(reason)
    avatar = _locked(avatar)
    deletion = avatar_deletion(
        avatar=avatar,
        reason=DeletionReceipt.Reason.MODERATOR,
        why=f"A moderator removed its pictures: {reason}",
    )
    deletion.also_deleted = [
        "the measurements of your face taken from its photo, and the outline of you in each picture"
    ]
    deletion.kept = ["the avatar's page and history, saying a moderator removed it, and why"]
    turns = list(avatar.turns.all())
    files = [f for t in turns for f in (t.image, t.thumbnail, t.webp) if f] + (
        [avatar.source] if avatar.source else []
    )
    names = [(f.storage, f.name) for f in files]
    # The reel shows every picture too: its row goes, and its files with it (django-cleanup);
    # so do the versions' cut-outs and every sticker pack holding one of them.
    Reel.objects.filter(avatar=avatar).delete()
    Cutout.objects.filter(turn__avatar=avatar).delete()
    StickerPack.objects.filter(items__turn__avatar=avatar).delete()
    # The faces kept from each version go too: they hold its face embedding; and so does
    # the outline of the person in each.
    Turn.objects.filter(avatar=avatar).update(
        image="", thumbnail="", webp="", faces=None, person=None
    )
    # No queued edit may draw from a selfie that is about to go.
    Turn.objects.filter(avatar=avatar, status__in=[Turn.Status.QUEUED, Turn.Status.RUNNING]).update(
        status=Turn.Status.CANCELLED,
        message="Removed by a moderator",
        finished_at=timezone.now(),
    )
    avatar.moderation = Avatar.Moderation.REMOVED
    avatar.moderation_reason = reason
    avatar.source = ""
    avatar.source_faces = None
    avatar.source_person = None
    avatar.visibility = Avatar.Visibility.PRIVATE
    avatar.share_token = None
    avatar.shared_turn = None
    avatar.save(
        update_fields=[
            "moderation",
            "moderation_reason",
            "source",
            "source_faces",
            "source_person",
            "visibility",
            "share_token",
            "shared_turn",
            "updated_at",
        ]
    )
    moderation_action_record(
        moderator=moderator, action=Decision.REMOVE, reason=reason, avatar=avatar
    )
    avatar_receipt_record(avatar=avatar, deletion=deletion)
    transaction.on_commit(lambda: _files_delete(names))
    return avatar


def _files_delete(names) -> None:
    from pixme.media_files import prune_empty_folder

    for storage, name in names:
        storage.delete(name)
        prune_empty_folder(storage=storage, name=name)


@transaction.atomic
def avatar_flag(*, avatar: Avatar, reason: str) -> Avatar:
    """An automatic check wants a moderator to look. A flag hides nothing: the owner and the
    shared link still show it. Only an OK avatar changes state (a hidden or removed one has
    been decided already); every flag is recorded, with its reason kept for the queue."""
    avatar = _locked(avatar)
    fields = ["flag_reason", "updated_at"]
    if avatar.moderation == Avatar.Moderation.OK:
        avatar.moderation = Avatar.Moderation.FLAGGED
        fields.append("moderation")
    if reason not in avatar.flag_reason:
        joined = f"{avatar.flag_reason}; {reason}" if avatar.flag_reason else reason
        avatar.flag_reason = joined[:300]
    avatar.save(update_fields=fields)
    moderation_action_record(moderator=None, action=Decision.FLAG, reason=reason, avatar=avatar)
    return avatar


@transaction.atomic
def user_suspend(*, user: User, moderator: User, reason: str, avatar: Avatar | None = None) -> User:
    """No new versions, no API, no log-in that was open, no shared links; the user reads the
    reason on every page and may only take their data and leave
    (avatars.moderation.rules). ``avatar`` is the one the decision was made from,
    for the record."""
    reason = _reason_check(reason)
    if user.pk == moderator.pk:
        raise ApplicationError("You can't suspend your own account.")
    if (user.is_staff or user.is_superuser) and not moderator.is_superuser:
        raise ApplicationError(
            f"Only a superuser can suspend {user.get_username()}, a staff member."
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_suspended:
        raise ApplicationError(f"{user.get_username()} is already suspended.")
    user.suspended_at = timezone.now()
    user.suspension_reason = reason
    user.save(update_fields=["suspended_at", "suspension_reason"])
    _user_access_end(user=user)
    moderation_action_record(
        moderator=moderator,
        action=Decision.SUSPEND,
        reason=reason,
        avatar=avatar,
        subject_user=user,
    )
    return user


def _user_access_end(*, user: User) -> None:
    from accounts.services import api_token_revoke_all

    api_token_revoke_all(user=user)  # named (knox) tokens too: lifting must not revive them
    Session.objects.filter(session_key__in=_session_keys_of(user)).delete()
    Avatar.objects.filter(owner=user).update(
        visibility=Avatar.Visibility.PRIVATE, share_token=None, shared_turn=None
    )
    Turn.objects.filter(
        avatar__owner=user, status__in=[Turn.Status.QUEUED, Turn.Status.RUNNING]
    ).update(
        status=Turn.Status.CANCELLED,
        message="Cancelled: account suspended",
        finished_at=timezone.now(),
    )


def _session_keys_of(user: User) -> list[str]:
    # Sessions are signed blobs keyed by nothing but their key: the user's id is inside.
    # One pass over the live ones; a site with many would keep a user → session index.
    from django.contrib.auth import SESSION_KEY

    live = Session.objects.filter(expire_date__gt=timezone.now()).iterator()
    return [s.session_key for s in live if s.get_decoded().get(SESSION_KEY) == str(user.pk)]


@transaction.atomic
def user_suspend_lift(*, user: User, moderator: User, reason: str) -> User:
    """Reinstate a suspended user. Their shared links stay off: sharing again is theirs to do."""
    reason = _reason_check(reason)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_suspended:
        raise ApplicationError(f"{user.get_username()} isn't suspended.")
    user.suspended_at = None
    user.suspension_reason = ""
    user.save(update_fields=["suspended_at", "suspension_reason"])
    moderation_action_record(
        moderator=moderator, action=Decision.SUSPEND_LIFT, reason=reason, subject_user=user
    )
    return user


DECISIONS = {
    Decision.APPROVE: avatar_approve,
    Decision.HIDE: avatar_hide,
    Decision.REMOVE: avatar_remove,
}


def avatar_decide(*, avatar: Avatar, moderator: User, decision: str, reason: str):
    """One of the queue's decisions on ``avatar``: approve, hide, remove, or suspend or
    reinstate its owner."""
    if decision == Decision.SUSPEND:
        return user_suspend(user=avatar.owner, moderator=moderator, reason=reason, avatar=avatar)
    if decision == Decision.SUSPEND_LIFT:
        return user_suspend_lift(user=avatar.owner, moderator=moderator, reason=reason)
    if decision not in DECISIONS:
        raise ApplicationError(f"Unknown moderation decision {decision!r}.")
    return DECISIONS[decision](avatar=avatar, moderator=moderator, reason=reason)
