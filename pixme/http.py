"""Serving stored files from views: :func:`stored_file_response` is what every download, page
image, API file and export answers with."""

from __future__ import annotations

import mimetypes

from asgiref.sync import sync_to_async
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

_END = object()


class ServedFile(FileResponse):
    """A FileResponse an ASGI server reads without Django's warning that a streaming response
    "must consume synchronous iterators": under ASGI each block is read on a worker thread
    and handed on as it comes, so a big file (an account export) is never held whole. Under
    WSGI and the test client it streams as any FileResponse."""

    block_size = 256 * 1024  # fewer thread hops than Django's 4 KB

    async def __aiter__(self):
        blocks = iter(self.streaming_content)
        while (
            block := await sync_to_async(next, thread_sensitive=False)(blocks, _END)
        ) is not _END:
            yield block


# Cache-Control of the files only their owner (or staff) may fetch: never in a shared cache.
PRIVATE = "private, max-age=3600"
# Everything a person has (the account export): not kept anywhere.
NO_STORE = "private, no-store"


def public(max_age: int) -> str:
    """Cache-Control of a file anyone with the link may fetch (a shared avatar)."""
    return f"public, max-age={max_age}"


def stored_file_response(
    stored,
    *,
    content_type: str | None = None,
    cache_control: str = PRIVATE,
    filename: str | None = None,
    noindex: bool = False,
) -> ServedFile:
    """The one way a view hands out a stored file — a site page, the API, the admin, a shared
    link, the export: a stored file (a model's FieldFile) or an open binary file, streamed.
    404 when there is no file; its type from its name unless given; ``nosniff`` always (a
    browser must never read a picture as a page); as a download named ``filename``; with
    ``noindex`` for files public links serve."""
    if not stored:
        raise Http404("No such file")
    if content_type is None:
        guessed = mimetypes.guess_type(getattr(stored, "name", "") or filename or "")[0]
        content_type = guessed or "application/octet-stream"
    response = ServedFile(
        stored.open("rb") if isinstance(stored, FieldFile) else stored,
        content_type=content_type,
        as_attachment=filename is not None,
        filename=filename or "",
    )
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    if noindex:
        response["X-Robots-Tag"] = "noindex"
    return response
