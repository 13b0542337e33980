"""Task entry points: thin, they call the service with the ids they were given."""

from django.conf import settings
from django_tasks import task

from webhooks.services import delivery_attempt


# On the background queue, so a render never waits behind a slow endpoint; below the renders'
# priority (0) too, for a worker that takes both queues.
@task(queue_name=settings.PIXME_BACKGROUND_QUEUE, priority=-10)
def deliver(delivery_id: int, attempt: int) -> None:
    delivery_attempt(delivery_id=delivery_id, attempt=attempt)
