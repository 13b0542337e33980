"""Where WorkerLost lived: job records failed before it moved name this path, and still import."""

from jobs.task_records import WorkerLost  # noqa: F401
