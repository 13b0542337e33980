"""Request bodies: whatever arrives, a bad one is a 400 in the API's error shape, never a 500."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, plus the two failures it lets through as 500s: nesting deeper than
    Python's recursion limit (``[[[[…`` — 2 KB is enough) and a charset Python doesn't know."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
        except LookupError:
            raise ParseError("JSON parse error - unknown character encoding.") from None
