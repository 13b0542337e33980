"""The reel's job entry point: thin, it calls the service (a render's sits beside its service).
Jobs stored before it moved here name avatars.reel_tasks, which re-exports it."""

from django_tasks import task

from avatars.reels.services import reel_run


@task()
def render_reel(reel_id: int, key: str) -> None:
    reel_run(reel_id=reel_id, key=key)
