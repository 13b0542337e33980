"""The process-wide ``google-genai`` client for the current settings, and the HTTP library's
errors it may raise (a timeout is the HTTP library's, not an SDK error)."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings

_client_lock = threading.Lock()
_clients: dict[tuple, Any] = {}


def genai_client():
    """The process-wide ``genai.Client`` for the current settings (rebuilt when they change)."""
    from google import genai
    from google.genai import types

    key = (
        settings.GEMINI_API_KEY,
        settings.GEMINI_BASE_URL or None,
        float(settings.GEMINI_TIMEOUT_SECONDS),
        int(settings.GEMINI_RETRY_ATTEMPTS),
    )
    with _client_lock:
        client = _clients.get(key)
        if client is None:
            api_key, base_url, timeout, attempts = key
            client = genai.Client(
                api_key=api_key,
                http_options=types.HttpOptions(
                    base_url=base_url,
                    timeout=int(timeout * 1000),
                    retry_options=types.HttpRetryOptions(
                        attempts=max(1, attempts),
                        initial_delay=0.2,
                        max_delay=2.0,
                        # 429 is ours to handle: the SDK ignores RetryInfo.retryDelay.
                        http_status_codes=[408, 500, 502, 503, 504],
                    ),
                ),
            )
            _clients.clear()  # old settings' clients are never used again
            _clients[key] = client
        return client


def transport_errors() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(timeout exception classes, other transport exception classes) of the HTTP libraries."""
    timeouts: list[type] = [TimeoutError]
    transport: list[type] = [ConnectionError]
    for name in ("httpx2", "httpx"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        timeouts.append(module.TimeoutException)
        transport.append(module.TransportError)
    return tuple(timeouts), tuple(transport)
