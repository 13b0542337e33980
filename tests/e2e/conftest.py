"""The browser fixture for every end-to-end test (defined beside the first of them)."""

from tests.e2e.test_browser_flow import page  # noqa: F401

# The site's Content-Security-Policy refuses eval: give page.wait_for_function a function
# ("() => …"). Playwright polls a bare expression by eval-ing it in the page, which fails there.
