"""Where the reel's task lived: jobs django-tasks stored under this path still import."""

from avatars.reels.tasks import render_reel  # noqa: F401
