"""Every page sends a strict Content-Security-Policy, and nothing in our templates needs an
exception to it: no inline script, no inline style, no on…="" handler (the browser test in
tests/e2e/test_content_security.py watches Chromium keep to it on every page)."""

import re

import pytest

from tests.liveserver import ROOT

pytestmark = pytest.mark.django_db

TEMPLATES = ROOT / "templates"


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


@pytest.mark.parametrize(
    "url", ["/", "/accounts/login/", "/accounts/signup/", "/verify/", "/admin/login/"]
)
def test_a_page_sends_the_strict_policy(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert policy(response) == STRICT


def test_the_signed_in_pages_send_it_too(alice_client):
    for url in ("/avatars/", "/avatars/new/", "/accounts/profile/"):
        assert policy(alice_client.get(url)) == STRICT, url


def test_the_api_docs_keep_to_it_with_their_script_in_a_file(client):
    page = client.get("/api/docs/")
    assert policy(page) == STRICT
    html = page.content.decode()
    assert "<style" not in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attrs for attrs in scripts), scripts
    (own,) = [a for a in scripts if "script" in a.split("src=")[1]]
    url = re.search(r'src="([^"]+)"', own).group(1).replace("&amp;", "&")
    script = client.get(url)
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_drfs_browsable_api_may_use_inline_styles_but_never_inline_scripts(alice_client):
    response = alice_client.get("/api/profile/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert policy(response) == {**STRICT, "style-src": ["'self'", "'unsafe-inline'"]}


def test_json_answers_carry_the_policy_unchanged(alice_client):
    assert policy(alice_client.get("/api/avatars/")) == STRICT


INLINE = [
    # A <script> without src= runs inline; a JSON data block (json_script) does not run.
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I), "inline script"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=\s*[\"']", re.I), 'style="" attribute'),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I), 'on…="" handler'),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_needs_an_exception_to_the_policy(template):
    text = template.read_text()
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, f"{template.relative_to(TEMPLATES)}: {', '.join(found)}"
