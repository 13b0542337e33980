"""Pytest fixtures for the fake Gemini server.

Register with ``pytest_plugins = ["tests.fakes.fixtures"]`` in ``tests/conftest.py``.

* ``gemini_server``: a :class:`~tests.fakes.gemini_server.FakeGeminiServer` (one per test
  session, cleared before each test: no recorded requests, no scripted behaviours).
* ``gemini_settings``: pytest-django's ``settings`` pointed at that server with a test key,
  a 2 s timeout and 2 attempts.
"""

from __future__ import annotations

import pytest

from tests.fakes.gemini_server import FakeGeminiServer

TEST_API_KEY = "test-key-123"


@pytest.fixture(scope="session")
def _gemini_server_session():
    with FakeGeminiServer() as server:
        yield server


@pytest.fixture
def gemini_server(_gemini_server_session) -> FakeGeminiServer:
    _gemini_server_session.reset()
    yield _gemini_server_session
    _gemini_server_session.reset()


@pytest.fixture
def gemini_settings(settings, gemini_server):
    settings.GEMINI_API_KEY = TEST_API_KEY
    settings.GEMINI_BASE_URL = gemini_server.url
    settings.GEMINI_TIMEOUT_SECONDS = 2
    settings.GEMINI_RETRY_ATTEMPTS = 2
    return settings
