"""Task entry points: thin, they look the row up by id and call the service."""

from django_tasks import task

from avatars.services.takes import takes_render, takes_settle
from avatars.services.turns import turn_run


@task()
def render_turn(turn_id: int) -> None:
    if turn_run(turn_id=turn_id) is not None:
        takes_settle(turn_id=turn_id)  # a take re-queued alone still gets the best one chosen


@task()
def render_takes(turn_ids: list[int]) -> None:
    takes_render(turn_ids=turn_ids)
