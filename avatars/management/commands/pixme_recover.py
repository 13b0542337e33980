"""Re-queue turns whose job died: for scale-out deployments, run it on a timer.

python manage.py pixme_recover [--stale-after SECONDS]

The embedded server recovers its own turns at start-up. With separate worker processes
(``manage.py pixme_worker``) a worker killed mid-job leaves its turn "running"; this command,
run every minute or so (cron, a systemd timer, a Kubernetes CronJob), puts back in the queue
every running turn whose job has not reported for ``--stale-after`` seconds (default 300:
longer than any engine call with its retries) and re-enqueues queued ones; likewise a
version's after-work (likeness, WebP) claimed that long ago or left queued. Running it on a
healthy system changes nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from avatars.services.after_work import turn_after_work_recover
from avatars.services.turns import turn_recover_unfinished
from pixme.commands import MigratedDatabaseRequired
from webhooks.services import delivery_recover_stalled


class Command(MigratedDatabaseRequired, BaseCommand):
    help = "Re-queue turns whose job died (scale-out deployments; run on a timer)."

    def add_arguments(self, parser):
        parser.add_argument("--stale-after", type=float, default=300.0, metavar="SECONDS")

    def handle(self, *args, stale_after: float, **opts):
        recovered = turn_recover_unfinished(stale_after=stale_after)
        self.stdout.write(
            f"re-queued {len(recovered)} turn(s)" + (f": {recovered}" if recovered else "")
        )
        after_work = turn_after_work_recover(stale_after=stale_after)
        if after_work:
            self.stdout.write(f"re-queued the after-work of {len(after_work)} version(s)")
        # Webhook deliveries whose runner died mid-attempt: the same timer serves them.
        deliveries = delivery_recover_stalled()
        if deliveries:
            self.stdout.write(f"re-queued {len(deliveries)} webhook deliveries: {deliveries}")
