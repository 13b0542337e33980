from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from avatars.models import Turn
        from avatars.signals import turn_finished

        turn_finished.connect(_turn_finished, sender=Turn, dispatch_uid="webhooks.turn_finished")


def _turn_finished(sender, *, turn, status: str, **kwargs) -> None:
    from webhooks.services import delivery_create_for_turn

    delivery_create_for_turn(turn=turn, status=status)
