from django.apps import AppConfig


class BackupsConfig(AppConfig):
    """Backups, restores and the storage check of the embedded default. No models: it finds
    every stored file through the app registry (backups.stored_files)."""

    name = "backups"
    default_auto_field = "django.db.models.BigAutoField"
