"""The loggers that write request URLs never write a socket ticket (the live test in
tests/avatars/live/test_ws_tickets_live.py reads uvicorn's real log)."""

import logging

import pytest

TICKET = "Zq2-8fJ_kq0AbCdEfGh1234567890xyzXYZ-_abcd"


@pytest.fixture
def captured():
    """Every record the configured loggers pass on, as formatted text."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    handler = Keep()
    names = ("uvicorn.error", "uvicorn.access", "django.channels.server")
    for name in names:
        logging.getLogger(name).addHandler(handler)
    yield lines
    for name in names:
        logging.getLogger(name).removeHandler(handler)


def test_daphnes_runserver_line_is_redacted(captured):
    logging.getLogger("django.channels.server").warning(
        "HTTP %(method)s %(path)s %(status)s [%(time_taken).2f, %(client)s]",
        {
            "method": "GET",
            "path": f"/ws/avatars/7/?ticket={TICKET}",
            "status": 404,
            "time_taken": 0.01,
            "client": "127.0.0.1:5000",
        },
    )
    assert captured == ["HTTP GET /ws/avatars/7/?ticket=[redacted] 404 [0.01, 127.0.0.1:5000]"]


def test_uvicorns_lines_are_redacted_and_keep_their_shape(captured):
    logging.getLogger("uvicorn.error").info(
        '%s - "WebSocket %s" [accepted]', "127.0.0.1:5000", f"/ws/avatars/7/?a=1&ticket={TICKET}"
    )
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"/x/?ticket={TICKET}&b=2", "1.1", 404
    )
    assert captured == [
        '127.0.0.1:5000 - "WebSocket /ws/avatars/7/?a=1&ticket=[redacted]" [accepted]',
        '127.0.0.1:5000 - "GET /x/?ticket=[redacted]&b=2 HTTP/1.1" 404',
    ]
