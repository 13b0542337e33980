"""Re-queue the work whose job died: for scale-out deployments, run it on a timer.

python manage.py pixme_recover [--stale-after SECONDS]

The embedded server recovers its own work at start-up. With separate worker processes
(``manage.py pixme_worker``) a worker killed mid-job leaves its work "running"; this command,
run every minute or so (cron, a systemd timer, a Kubernetes CronJob), runs every recovery the
apps registered (``jobs.recovery``): versions whose job has not reported for
``--stale-after`` seconds (default 300: longer than any engine call with its retries) and
queued ones, a version's after-work (likeness, WebP) claimed that long ago or left queued,
reels, webhook deliveries whose attempt was lost. Running it on a healthy system changes
nothing. It also runs the apps' sweeps (``jobs.periodic``): what is due by the clock, such as
the photos past the time their owners chose to keep them (also on S3).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from jobs.periodic import sweep_words, sweeps_run
from jobs.recovery import recover, recovery_words
from pixme.commands import MigratedDatabaseRequired


class Command(MigratedDatabaseRequired, BaseCommand):
    help = (
        "Re-queue work whose job died, and do what is due by the clock (scale-out "
        "deployments; run on a timer)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stale-after", type=float, default=300.0, metavar="SECONDS")

    def handle(self, *args, stale_after: float, **opts):
        done = [(recovery, ids) for recovery, ids in recover(stale_after=stale_after) if ids]
        for recovery, ids in done:
            self.stdout.write(recovery_words(recovery, ids))
        if not done:
            self.stdout.write("re-queued nothing: no job was left without a runner")
        for sweep, ids in sweeps_run():
            self.stdout.write(sweep_words(sweep, ids))
