"""The client's address, which every limit and lockout keyed by address counts: the verify
rate, the API's anonymous rates, the log-in lockout, the sign-up rate
(tests/accounts/test_accounts.py).

By default a client's own X-Forwarded-For is ignored, so a new one per request buys no new
identity. With PIXME_TRUSTED_PROXIES naming the proxy in front, the address that proxy saw is
counted: two clients behind it apart, and nothing a client writes left of it believed."""

from __future__ import annotations

import json
import re
import shlex
import urllib.error
import urllib.request

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from PIL import Image
from rest_framework.test import APIClient
from uvicorn.main import main as uvicorn_cli

from pixme.client_address import client_address
from pixme.env import env_trusted_proxies
from tests.conftest import encode, upload
from tests.liveserver import ROOT, LiveSite

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # the operator's nginx, as the app sees it


@pytest.fixture(scope="module")
def png() -> bytes:
    return encode(Image.new("RGB", (64, 64), "teal"), "PNG")


def verify(png, forwarded_for=None, remote_addr="127.0.0.1"):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return APIClient().post(
        "/api/verify/",
        {"file": upload(png, "check.png", "image/png")},
        format="multipart",
        REMOTE_ADDR=remote_addr,
        **headers,
    )


def log_in(username, password="wrong", forwarded_for=None, remote_addr="127.0.0.1"):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return Client().post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=remote_addr,
        **headers,
    )


# --- with nothing trusted (the default) ------------------------------------------------------


def test_a_new_forwarded_for_per_request_does_not_escape_the_verify_rate(png, settings):
    settings.PIXME_VERIFY_RATE = "2/min"
    for i in range(2):
        assert verify(png, forwarded_for=f"203.0.113.{i}").status_code != 429
    refused = verify(png, forwarded_for="203.0.113.99")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    page = Client().post(
        "/verify/",
        {"file": upload(png, "check.png", "image/png")},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert page.status_code == 429


def test_nor_the_apis_anonymous_rate(png, settings):
    settings.PIXME_VERIFY_RATE = None
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "burst": "3/min",
        },
    }
    answers = [verify(png, forwarded_for=f"203.0.113.{i}").status_code for i in range(4)]
    assert answers[:3] == [200, 200, 200] and answers[3] == 429


def test_nor_the_log_in_lockout(alice, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        log_in(f"nobody{i}", forwarded_for=f"203.0.113.{i}")
    assert log_in("alice", "alice-Secret-123", forwarded_for="192.0.2.1").status_code == 429


# --- behind a proxy that is named ------------------------------------------------------------


def test_two_clients_behind_the_proxy_are_counted_apart(png, settings):
    settings.PIXME_TRUSTED_PROXIES = 1
    settings.PIXME_VERIFY_RATE = "2/min"
    for _ in range(2):
        assert verify(png, "198.51.100.1", remote_addr=PROXY).status_code == 200
    assert verify(png, "198.51.100.2", remote_addr=PROXY).status_code == 200
    assert verify(png, "198.51.100.1", remote_addr=PROXY).status_code == 429


def test_a_spoofed_left_most_entry_is_not_believed(png, settings):
    """nginx appends what it saw to what the client sent: only the right-most entry is its."""
    settings.PIXME_TRUSTED_PROXIES = 1
    settings.PIXME_VERIFY_RATE = "2/min"
    answers = [
        verify(png, f"192.0.2.{i}, 198.51.100.1", remote_addr=PROXY).status_code for i in range(3)
    ]
    assert answers == [200, 200, 429]


def test_trusted_networks_are_walked_from_the_right(png, settings):
    settings.PIXME_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.PIXME_VERIFY_RATE = "2/min"
    # A load balancer (10.1.2.3) in front of nginx (PROXY): the client is the first untrusted.
    answers = [
        verify(png, f"192.0.2.{i}, 198.51.100.1, 10.1.2.3", remote_addr=PROXY).status_code
        for i in range(3)
    ]
    assert answers == [200, 200, 429]
    # Another client behind the same two proxies has its own count.
    assert verify(png, "198.51.100.2, 10.1.2.3", remote_addr=PROXY).status_code == 200


def test_a_peer_outside_the_trusted_networks_is_counted_as_itself(png, settings):
    settings.PIXME_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.PIXME_VERIFY_RATE = "2/min"
    answers = [verify(png, f"10.9.9.{i}", remote_addr="203.0.113.5").status_code for i in range(3)]
    assert answers == [200, 200, 429]


def test_the_lockout_counts_each_client_behind_the_proxy(alice, bob, settings):
    settings.PIXME_TRUSTED_PROXIES = 1
    for i in range(settings.AXES_FAILURE_LIMIT):
        log_in(f"nobody{i}", forwarded_for=f"192.0.2.{i}, 198.51.100.1", remote_addr=PROXY)
    locked = log_in("alice", "alice-Secret-123", forwarded_for="198.51.100.1", remote_addr=PROXY)
    assert locked.status_code == 429
    # Bob, behind the same proxy from his own address, logs in.
    ok = log_in("bob", "bob-Secret-123", forwarded_for="198.51.100.2", remote_addr=PROXY)
    assert ok.status_code == 302


# --- the rule itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trusted", "remote_addr", "forwarded_for", "counted"),
    [
        (0, "203.0.113.5", "192.0.2.1", "203.0.113.5"),
        (1, PROXY, "192.0.2.1", "192.0.2.1"),
        (1, PROXY, "192.0.2.1, 198.51.100.1", "198.51.100.1"),
        (2, PROXY, "192.0.2.1, 198.51.100.1, 10.1.2.3", "198.51.100.1"),
        (2, PROXY, "198.51.100.1", PROXY),  # fewer entries than proxies: not through them all
        (1, PROXY, "", PROXY),
        (1, PROXY, "not-an-address", PROXY),
        (1, PROXY, "198.51.100.1:52311", "198.51.100.1"),  # some balancers add the port
        (1, PROXY, "[2001:db8::1]:443", "2001:db8::"),
        (["10.0.0.0/8"], PROXY, "192.0.2.1, 198.51.100.1, 10.1.2.3", "198.51.100.1"),
        (["10.0.0.0/8"], PROXY, "10.1.2.3, 10.4.5.6", "10.1.2.3"),  # all proxies: left-most
        (["10.0.0.0/8"], PROXY, "192.0.2.1, junk, 10.1.2.3", "10.1.2.3"),
        (["10.0.0.0/8", "127.0.0.1"], "127.0.0.1", "198.51.100.1", "198.51.100.1"),
        (["10.0.0.0/8"], "203.0.113.5", "198.51.100.1", "203.0.113.5"),
        # IPv6: a whole /64 is one client; an IPv4 address written as IPv6 is that address.
        (0, "2001:db8:1:2:aaaa::1", "", "2001:db8:1:2::"),
        (0, "::ffff:198.51.100.1", "", "198.51.100.1"),
    ],
)
def test_the_address_counted(settings, trusted, remote_addr, forwarded_for, counted):
    settings.PIXME_TRUSTED_PROXIES = trusted
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)
    assert client_address(request) == counted


def test_the_setting_is_a_count_or_networks(monkeypatch):
    monkeypatch.delenv("PIXME_TRUSTED_PROXIES", raising=False)
    assert env_trusted_proxies("PIXME_TRUSTED_PROXIES") == 0
    monkeypatch.setenv("PIXME_TRUSTED_PROXIES", "2")
    assert env_trusted_proxies("PIXME_TRUSTED_PROXIES") == 2
    monkeypatch.setenv("PIXME_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,fd00::/8")
    assert env_trusted_proxies("PIXME_TRUSTED_PROXIES") == ["10.0.0.0/8", "127.0.0.1", "fd00::/8"]
    for bad in ("nginx", "10.0.0.0/33", "١"):  # the last: an Arabic-Indic one, not an ASCII 1
        monkeypatch.setenv("PIXME_TRUSTED_PROXIES", bad)
        with pytest.raises(ImproperlyConfigured, match="PIXME_TRUSTED_PROXIES"):
            env_trusted_proxies("PIXME_TRUSTED_PROXIES")


# --- the server in front: uvicorn must not rewrite the address first ---------------------------


def _uvicorn_commands() -> dict[str, list[str]]:
    """Every uvicorn command line we ship or document, as arguments after ``uvicorn``."""
    sources = {
        "scripts/run": (ROOT / "scripts/run").read_text().replace("\\\n", " "),
        "Procfile": (ROOT / "Procfile").read_text(),
        "deploy/systemd/pixme-web@.service": (
            ROOT / "deploy/systemd/pixme-web@.service"
        ).read_text(),
        "README.md": (ROOT / "README.md").read_text().replace("\\\n", " "),
    }
    commands = {}
    for name, text in sources.items():
        # The shell's and systemd's placeholders, as they would be filled in.
        text = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", text).replace("%i", "8000")
        for n, line in enumerate(text.splitlines()):
            if "bin/uvicorn " in line and not line.lstrip().startswith("#"):
                words = shlex.split(line.split("bin/uvicorn ", 1)[1], comments=True)
                commands[f"{name}:{n + 1}"] = words
    return commands


def test_every_shipped_uvicorn_command_leaves_the_address_alone():
    """uvicorn believes X-Forwarded-For from 127.0.0.1 unless told not to, even without
    --proxy-headers: every command we ship says --no-proxy-headers (read by uvicorn's own CLI)."""
    commands = _uvicorn_commands()
    assert len(commands) >= 4, commands
    for where, args in commands.items():
        params = uvicorn_cli.make_context("uvicorn", list(args)).params
        assert params["proxy_headers"] is False, where


def _options_of_scripts_run() -> list[str]:
    (args,) = [a for where, a in _uvicorn_commands().items() if where.startswith("scripts/run")]
    options, words = [], iter(args[1:])  # after the app
    for word in words:
        if word in ("--host", "--port"):
            next(words)  # the test's own
        else:
            options.append(word)
    return options


def _token(site, username, password, forwarded_for) -> int:
    request = urllib.request.Request(
        site.url + "/api/token/",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_the_site_as_scripts_run_starts_it_counts_the_real_client(tmp_path):
    """The real server, started with scripts/run's options, and this test as a client on the
    same machine sending a new X-Forwarded-For each time; then as the nginx in front."""
    site = LiveSite(tmp_path)
    site.migrate()
    site.manage("shell", "-c", MAKE_ALICE)
    options = _options_of_scripts_run()
    site.start(*options)
    try:
        answers = [_token(site, f"nobody{i}", "wrong", f"203.0.113.{i}") for i in range(5)]
        assert answers == [400, 400, 400, 400, 429]  # the fifth failure pauses log-in
        assert _token(site, "alice", "alice-Secret-123", "192.0.2.1") == 429
    finally:
        site.stop()
    site.manage("shell", "-c", "from axes.utils import reset; reset()")
    site.env["PIXME_TRUSTED_PROXIES"] = "127.0.0.1"  # this test is the proxy now
    site.start(*options)
    try:
        answers = [
            _token(site, f"nobody{i}", "wrong", f"192.0.2.{i}, 198.51.100.1") for i in range(5)
        ]
        assert answers == [400, 400, 400, 400, 429]
        assert _token(site, "alice", "alice-Secret-123", "198.51.100.1") == 429
        assert _token(site, "alice", "alice-Secret-123", "198.51.100.2") == 200
    finally:
        site.stop()


MAKE_ALICE = """
from accounts.services import user_create
user_create(username="alice", password="alice-Secret-123")
"""
