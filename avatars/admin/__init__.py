"""The avatars app in the admin: the moderators' queue, the records the services write, and
the staff-only views that show their pictures; the feature packages' own admins (cut-outs,
sticker packs) are registered from here, where Django looks."""

from avatars.admin import queue, records  # noqa: F401  (registers the admins)
from avatars.cutouts import admin as cutouts  # noqa: F401
from avatars.stickers import admin as stickers  # noqa: F401
