from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The log-in lockout and the sign-up rate count addresses: --deploy checks the setting.
        from pixme import client_address  # noqa: F401 (registers trusted_proxies_check)
