"""Test settings: the real settings, with jobs run at once in-process and a throwaway var/."""

import tempfile
from pathlib import Path

from pixme.settings import *  # noqa: F403
from pixme.settings import CACHES, INSTALLED_APPS, STORAGES, TASKS

_tmp = Path(tempfile.mkdtemp(prefix="pixme-test-"))
MEDIA_ROOT = _tmp / "media"
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": TASKS["default"]["QUEUES"],
    }
}
PIXME_EMBEDDED_WORKER = False
# The picture URL's shared cache: a folder of this process's own (each xdist worker is one).
PIXME_PICTURE_CACHE_DIR = _tmp / "cache" / "pictures"
CACHES = {**CACHES, "pictures": {**CACHES["pictures"], "LOCATION": str(PIXME_PICTURE_CACHE_DIR)}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
GEMINI_API_KEY = ""

# Retries happen for real in tests, just without the wait.
PIXME_RETRY_BACKOFF = (0.0, 0.0)
PIXME_RETRY_MAX_WAIT = 0.0

# Content Credentials: a local signing root made for this session.
PIXME_C2PA_DIR = _tmp / "c2pa"

# Reports count towards pausing a link from accounts of any age (still only from accounts that
# have made an avatar); tests/avatars/sharing/test_reports.py sets the age rule where it is
# the subject.
PIXME_REPORTER_MIN_AGE_HOURS = 0

# django-gravatar2's template tag, as a site that shows Gravatar pictures uses it: only the
# tests render it (tests/avatars/picture/test_picture_clients.py).
INSTALLED_APPS = [*INSTALLED_APPS, "django_gravatar"]
