"""Keeps one-time websocket tickets out of the server's logs.

A program opens its progress socket at ``ws/avatars/<id>/?ticket=…`` (avatars.live.tickets), and
servers write that URL to their logs: uvicorn the websocket handshake on ``uvicorn.error`` and
a plain HTTP request on ``uvicorn.access``; daphne's runserver a plain HTTP request on
``django.channels.server`` (its websocket lines carry no query string). A ticket read from a
log within its 30 s, before it was used, opens the avatar's socket. settings.LOGGING puts this
filter on those loggers.
"""

from __future__ import annotations

import logging
import re

# The form TicketAuthMiddleware reads: the literal name, then the ticket up to the next field.
TICKET = re.compile(r"([?&]ticket=)[^&\s\"']+")
REDACTED = r"\1[redacted]"


def _redact(value):
    return TICKET.sub(REDACTED, value) if isinstance(value, str) else value


class RedactTickets(logging.Filter):
    """Rewrites a record's message and its arguments (uvicorn's access formatter reads the
    request path from the arguments), never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact(arg) for key, arg in record.args.items()}
        return True
