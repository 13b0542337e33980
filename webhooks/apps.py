from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.signals import profile_page
        from avatars.models import Turn
        from avatars.signals import turn_finished
        from jobs.recovery import recovery_register

        turn_finished.connect(_turn_finished, sender=Turn, dispatch_uid="webhooks.turn_finished")
        profile_page.connect(_profile_section, dispatch_uid="webhooks.profile_page")
        recovery_register(
            what="{n} webhook deliveries", queue=settings.PIXME_BACKGROUND_QUEUE, recover=_stalled
        )


def _turn_finished(sender, *, turn, status: str, **kwargs) -> None:
    from webhooks.services import delivery_create_for_turn

    delivery_create_for_turn(turn=turn, status=status)


def _stalled(stale_after: float | None) -> list[int]:
    """Deliveries whose attempt was lost with its runner (jobs.recovery)."""
    from webhooks.services import delivery_recover_stalled

    if stale_after is None:
        return delivery_recover_stalled()
    return delivery_recover_stalled(stale_after=timedelta(seconds=stale_after))


def _profile_section(*, request, **kwargs) -> dict:
    """The profile page's webhooks section (accounts.signals.profile_page)."""
    from webhooks.views import webhook_profile_context

    return webhook_profile_context(request)
