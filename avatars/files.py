"""Serving stored files from views."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import FileResponse


class ServedFile(FileResponse):
    """A FileResponse an ASGI server reads without Django's warning that a streaming response
    "must consume synchronous iterators". Under ASGI Django reads a file's sync iterator whole,
    on a thread, and warns each time; ours are a few megabytes at most, so this does the same
    on purpose. Under WSGI and the test client it streams as any FileResponse."""

    async def __aiter__(self):
        for part in await sync_to_async(list)(self.streaming_content):
            yield part
