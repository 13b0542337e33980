"""The avatars app in the admin: the moderators' queue, the records the services write, and
the staff-only views that show their pictures."""

from avatars.admin import queue, records  # noqa: F401  (registers the admins)
