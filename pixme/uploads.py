"""Stop storing an upload as soon as it passes the size limit.

Django reads the whole request body and spools files to disk before any form sees them, so a
200 MB (or 20 GB) "photo" would be written to the temp folder just to be refused. This
handler, first in ``FILE_UPLOAD_HANDLERS``, counts the bytes of each file as they arrive and,
past ``PIXME_UPLOAD_MAX_BYTES``, skips the rest of that file (the body is still read off the
socket, but nothing more is kept) and notes it on the request for the form to explain.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest


def too_large_message(size: int, *, at_least: bool = False) -> str:
    limit = settings.PIXME_UPLOAD_MAX_BYTES // (1024 * 1024)
    if at_least:  # the upload was cut off at the limit: we only know it is bigger
        return (
            f"This file is larger than {limit} MB; the limit is {limit} MB. "
            "Please choose a smaller photo."
        )
    shown = math.ceil(size / 1024 / 1024 * 10) / 10  # 15 MB and a byte is "15.1 MB"
    return f"This file is {shown:.1f} MB; the limit is {limit} MB. Please choose a smaller photo."


class CappedUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.PIXME_UPLOAD_MAX_BYTES:
            self.request.upload_too_large = self.received  # "at least this many bytes"
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers build the file


def oversize_refusal(request: HttpRequest) -> str:
    """The message for an upload this handler cut off, or "" if there was none."""
    received = getattr(request, "upload_too_large", 0)
    return too_large_message(received, at_least=True) if received else ""
