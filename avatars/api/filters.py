"""The avatar list's query parameters: filters (django-filter) and ordering."""

from __future__ import annotations

import django_filters
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from avatars.engines.base import ENGINES
from avatars.models import Avatar, Turn


class AvatarFilter(django_filters.FilterSet):
    style = django_filters.CharFilter(
        field_name="style__slug", help_text="Only this style (its slug, e.g. `comics`)."
    )
    status = django_filters.ChoiceFilter(
        field_name="current_turn__status",
        choices=Turn.Status.choices,
        help_text="Only avatars whose current version has this status.",
    )
    engine = django_filters.ChoiceFilter(
        field_name="current_turn__engine",
        choices=[(slug, label) for slug, (label, _path) in ENGINES.items()],
        help_text="Only avatars whose current version was drawn by this engine.",
    )
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="gte",
        help_text="Created at or after this time (ISO 8601, e.g. `2026-01-31T09:00:00Z`).",
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="lt",
        help_text="Created before this time (ISO 8601).",
    )

    class Meta:
        model = Avatar
        fields = ["style", "status", "engine", "created_after", "created_before"]


class AvatarOrdering(OrderingFilter):
    """``?ordering=created_at|-created_at|updated_at|-updated_at`` (newest created first when
    absent). Ties are broken by id in the same direction, so pages never repeat or skip an
    avatar that shares a timestamp. Anything else is a 400, like a bad filter value: DRF's own
    filter would silently ignore it and the client would never learn its typo."""

    CHOICES = ["created_at", "-created_at", "updated_at", "-updated_at"]
    ordering_description = (
        "Sort by `created_at` or `updated_at`; a leading `-` for newest first "
        "(the default is `-created_at`)."
    )

    def get_ordering(self, request, queryset, view):
        value = request.query_params.get(self.ordering_param)
        if value is None:
            return None  # the selector's own order
        if value not in self.CHOICES:
            raise ValidationError(
                {self.ordering_param: [f"Choose one of: {', '.join(self.CHOICES)}."]}
            )
        return [value, "-id" if value.startswith("-") else "id"]

    def get_schema_operation_parameters(self, view):
        (parameter,) = super().get_schema_operation_parameters(view)
        parameter["schema"] = {"type": "string", "enum": self.CHOICES}
        return [parameter]
