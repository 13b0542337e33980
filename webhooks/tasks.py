"""Task entry points: thin, they call the service with the ids they were given."""

from django_tasks import task

from webhooks.services import delivery_attempt


# Below the renders' priority (0): a render waiting in the queue goes before a delivery.
@task(priority=-10)
def deliver(delivery_id: int, attempt: int) -> None:
    delivery_attempt(delivery_id=delivery_id, attempt=attempt)
