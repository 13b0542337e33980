from django.apps import AppConfig


class AvatarsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "avatars"

    def ready(self) -> None:
        from accounts import signals as account
        from avatars.identity_photos import receivers as identity_photos
        from avatars.picture import receivers as picture
        from avatars.retention import services as retention
        from avatars.services import account as avatars_part
        from avatars.services.takes import takes_settle_when_finished
        from avatars.signals import turn_finished
        from jobs.periodic import sweep_register
        from jobs.recovery import recovery_register
        from pixme import media_files

        media_files.connect()
        picture.connect()
        identity_photos.connect()
        account.profile_checking.connect(avatars_part.profile_engine_check)
        account.profile_changed.connect(avatars_part.profile_changed_flag)
        account.profile_choices.connect(avatars_part.profile_engine_choices)
        account.account_exporting.connect(avatars_part.account_avatars_export)
        account.account_deleting.connect(avatars_part.account_avatars_delete)
        account.receipt_signing.connect(_receipt_signature, dispatch_uid="avatars.receipts")
        account.profile_changed.connect(
            retention.photos_retention_changed, dispatch_uid="avatars.retention_changed"
        )
        # The last take to end (drawn and measured, or failed) chooses the best of them.
        turn_finished.connect(takes_settle_when_finished, dispatch_uid="avatars.takes_settle")
        # The moment an avatar is done, its photo goes if its owner chose so; the sweep
        # deletes photos past their 30 days (and any such moment missed).
        turn_finished.connect(
            retention.photo_delete_when_done, dispatch_uid="avatars.photo_when_done"
        )
        sweep_register(
            what="deleted {n} photo(s) past the time their owners chose", sweep=_photos_sweep
        )
        recovery_register(what="{n} turn(s)", queue="default", recover=_turns)
        recovery_register(what="{n} reel(s)", queue="default", recover=_reels)
        recovery_register(what="{n} sticker pack(s)", queue="default", recover=_sticker_packs)
        recovery_register(
            what="the after-work of {n} version(s)", queue="background", recover=_after_work
        )
        recovery_register(
            what="the after-work of {n} version(s) never queued",
            queue="default",
            recover=_after_work_never_queued,
        )


def _receipt_signature(**kwargs) -> dict:
    """Receipts are signed with the site's Content Credentials key (accounts.signals)."""
    from avatars.provenance.receipts import receipt_signature

    return receipt_signature(**kwargs)


def _photos_sweep() -> list[int]:
    from avatars.retention.services import photos_sweep

    return photos_sweep()


# What a dead job runner leaves for the next one (jobs.recovery): each queued again.


def _turns(stale_after: float | None) -> list[int]:
    from avatars.services.turns import turn_recover_unfinished

    return turn_recover_unfinished(stale_after=stale_after)


def _reels(stale_after: float | None) -> list[int]:
    from avatars.reels.services import reel_recover

    return reel_recover(stale_after=stale_after)


def _sticker_packs(stale_after: float | None) -> list[int]:
    from avatars.stickers.services import sticker_packs_recover

    return sticker_packs_recover(stale_after=stale_after)


def _after_work(stale_after: float | None) -> list[int]:
    from avatars.services.after_work import turn_after_work_recover

    return turn_after_work_recover(stale_after=stale_after)


def _after_work_never_queued(stale_after: float | None) -> list[int] | None:
    """When the render runner starts alone (it died between "done" and queuing a version's
    after-work): the background runner's own recovery does this at its start and on the
    timer, so there is nothing to add then."""
    if stale_after is not None:
        return None
    from avatars.services.after_work import turn_after_work_requeue

    return turn_after_work_requeue()
