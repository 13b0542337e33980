"""Task entry points: thin, they look the row up by id and call the service."""

from django.conf import settings
from django_tasks import task

from avatars.services.after_work import turn_after_work_run
from avatars.services.takes import takes_render, takes_settle
from avatars.services.turn_run import turn_run


@task()
def render_turn(turn_id: int) -> None:
    if turn_run(turn_id=turn_id) is not None:
        takes_settle(turn_id=turn_id)  # a take re-queued alone still gets the best one chosen


@task()
def render_takes(turn_ids: list[int]) -> None:
    takes_render(turn_ids=turn_ids)


# On the background queue, below the renders (a worker that takes both queues draws first).
@task(queue_name=settings.PIXME_BACKGROUND_QUEUE, priority=-10)
def after_work(turn_id: int) -> None:
    if turn_after_work_run(turn_id=turn_id) is not None:
        takes_settle(turn_id=turn_id)  # the last take measured: the best one can be chosen
