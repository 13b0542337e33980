"""Re-queue webhook deliveries whose task was lost: run it beside ``pixme_recover``.

python manage.py webhooks_recover [--stale-after SECONDS]

A job runner killed while it sent a delivery leaves it pending with no retry scheduled; this
queues its next attempt (and any retry overdue by ``--stale-after`` seconds, default 300:
far longer than one attempt's 10 s). Running it on a healthy system changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand

from pixme.commands import MigratedDatabaseRequired
from webhooks.services import delivery_recover_stalled


class Command(MigratedDatabaseRequired, BaseCommand):
    help = "Re-queue webhook deliveries whose task was lost (run on a timer)."

    def add_arguments(self, parser):
        parser.add_argument("--stale-after", type=float, default=300.0, metavar="SECONDS")

    def handle(self, *args, stale_after: float, **opts):
        recovered = delivery_recover_stalled(stale_after=timedelta(seconds=stale_after))
        self.stdout.write(
            f"re-queued {len(recovered)} delivery attempt(s)"
            + (f": {recovered}" if recovered else "")
        )
