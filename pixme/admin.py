"""What every app's admin shares: rows shown but never written there, and their stored files
served to staff."""

from __future__ import annotations

from django.apps import apps
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from pixme.http import stored_file_response


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


class StoredFileAdminMixin:
    """For an admin whose rows each keep one stored file (``file``): served to staff who may
    view the rows at ``<id>/file/`` (URL name ``<app>_<model>_file``), never a storage URL;
    ``file_download``: as a download named after the file."""

    file_download = False

    def file_url(self, obj) -> str:
        meta = self.model._meta
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_file", args=[obj.pk])

    def get_urls(self):
        meta = self.model._meta
        view = self.admin_site.admin_view(self.file_view)
        name = f"{meta.app_label}_{meta.model_name}_file"
        return [path("<int:object_id>/file/", view, name=name), *super().get_urls()]

    def file_view(self, request, object_id: int):
        if not self.has_view_permission(request):
            raise Http404
        stored = get_object_or_404(self.model, pk=object_id).file
        name = stored.name.rsplit("/", 1)[-1] if self.file_download and stored else None
        return stored_file_response(stored, filename=name)
