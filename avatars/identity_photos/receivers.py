"""What identity photos hear from accounts: the profile page asks for its section, the
account is exported or deleted."""

from __future__ import annotations

from accounts import signals as account
from avatars.identity_photos.services import (
    account_identity_photos_delete,
    account_identity_photos_export,
)


def connect() -> None:
    account.profile_page.connect(_profile_section, dispatch_uid="identity_photos.profile_page")
    account.account_exporting.connect(
        account_identity_photos_export, dispatch_uid="identity_photos.export"
    )
    account.account_deleting.connect(
        account_identity_photos_delete, dispatch_uid="identity_photos.delete"
    )


def _profile_section(*, request, **kwargs) -> dict:
    from avatars.identity_photos.views import identity_profile_context

    return identity_profile_context(request)
