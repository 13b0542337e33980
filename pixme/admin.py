"""What every app's admin shares: rows shown but never written there."""

from __future__ import annotations

from django.apps import apps


class ReadOnlyAdminMixin:
    """A model (or inline) the admin shows but never adds or edits: its rows are written by
    the services only. ``deletable = False`` for records nobody deletes one by one (the audit
    trail, versions); ``goes_with_owner = True`` for rows that go with what they belong to
    (see :class:`DeletesOwnedRowsMixin`)."""

    deletable = True
    goes_with_owner = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.deletable and super().has_delete_permission(request, obj)


class DeletesOwnedRowsMixin:
    """For an admin whose deletes cascade to rows that can't be deleted one by one but go
    with their owner (an avatar's or a user's versions): such a delete is not refused for
    want of those rows' own delete permission."""

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        site = self.admin_site
        owned = {
            model._meta.verbose_name
            for model in apps.get_models()
            if site.is_registered(model)
            and getattr(site.get_model_admin(model), "goes_with_owner", False)
        }
        return to_delete, model_count, set(perms_needed) - owned, protected
