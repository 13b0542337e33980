"""The browser fixture for every end-to-end test (defined beside the first of them)."""

from tests.e2e.test_browser_flow import page  # noqa: F401
