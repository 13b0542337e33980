from django.apps import AppConfig


class AvatarsConfig(AppConfig):
    name = "avatars"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from avatars import media_files, wakeup  # noqa: F401 (wakeup connects its receiver)

        media_files.connect()
