from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Running work: the runners (embedded children or ``pixme_worker`` processes), their
    wake-ups, the job records, and one registry of what each app recovers. No models, and no
    import of any app: the apps register their recoveries here."""

    name = "jobs"
    verbose_name = "Jobs"

    def ready(self) -> None:
        from jobs import wakeup  # noqa: F401 (connects its receiver)
