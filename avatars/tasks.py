"""Where the render jobs' tasks lived: jobs django-tasks stored under these paths still import.
Each job's task now sits beside its service (a service queues its own task)."""

from avatars.services.after_work import after_work  # noqa: F401
from avatars.services.takes import render_takes  # noqa: F401
from avatars.services.turn_run import render_turn  # noqa: F401
