"""Every number that comes from outside — a form, a query string, an API body — is read here.

ASCII digits only, in range; anything else is the app's one error (a 400 on pages and in the
API), never a crash. ``str.isdigit()`` accepts '²' and '①', which ``int()`` refuses (a 500),
and ``int()`` itself accepts '٣', ' 1', '1_0' and '+1', which nobody means as a version or an
id. Django's and DRF's integer fields parse with ``int()``; ours go through :func:`parse_int`.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

from pixme.errors import ApplicationError

# Ids are signed 64-bit in SQLite and PostgreSQL.
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"-?[0-9]{1,20}")


def parse_int(value: object, *, low: int = 0, high: int = MAX_ID, name: str = "This") -> int:
    """``value`` (a str of ASCII digits, with a '-' only when ``low`` < 0, or an int) as an int
    from ``low`` to ``high``; raises :class:`ApplicationError` (code ``invalid``) otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value) and (low < 0 or value[0] != "-"):
        number = int(value)
    else:
        number = None
    if number is None or not low <= number <= high:
        bounds = f"from {low} to {high}" if high < MAX_ID else f"of {low} or more"
        raise ApplicationError(
            f"{name} must be a whole number {bounds}, in the digits 0-9.", code="invalid"
        )
    return number


class IntegerFormField(forms.IntegerField):
    """Django's IntegerField, parsed by :func:`parse_int` (its bounds are the field's own)."""

    def __init__(self, *, min_value: int = 0, max_value: int = MAX_ID, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_int(value, low=self.min_value, high=self.max_value)
        except ApplicationError as exc:
            raise ValidationError(exc.message, code="invalid") from None


class IntegerSerializerField(serializers.IntegerField):
    """DRF's IntegerField, parsed by :func:`parse_int`: a JSON number or a string of digits."""

    def __init__(self, *, min_value: int = 0, max_value: int = MAX_ID, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_internal_value(self, data):
        try:
            return parse_int(data, low=self.min_value, high=self.max_value)
        except ApplicationError as exc:
            raise serializers.ValidationError(exc.message, code="invalid") from None
