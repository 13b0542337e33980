"""The API's pages: DRF's page numbers, read like every other number from outside."""

from __future__ import annotations

from rest_framework import pagination

from pixme.numbers import parse_int


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` in ASCII digits (pixme.numbers): '٣' or '1e3' is a 400 saying so, not page
    3 or a 404; a page past the last one is still DRF's 404."""

    def get_page_number(self, request, paginator):
        number = request.query_params.get(self.page_query_param) or "1"
        if number in self.last_page_strings:
            return paginator.num_pages
        return parse_int(number, low=1, name="The page")
