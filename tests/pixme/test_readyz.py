"""``/readyz``: everyone learns ready or not; only an allowed probe learns what runs and how
fast (the scale-out tests check the details against the real services)."""

import ipaddress

import pytest

pytestmark = pytest.mark.django_db

CHECKS = {"database", "channel_layer", "storage", "task_queue"}


@pytest.fixture
def readyz(client):
    def get(**extra):
        response = client.get("/readyz", **extra)
        return response.status_code, response.json()

    return get


@pytest.fixture
def broken_channel_layer(settings):
    """A Redis nobody listens on: the channel layer check fails."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }


def test_a_stranger_learns_only_that_it_is_ready(readyz, settings):
    settings.PIXME_READYZ_TOKEN = "probe-secret-1"
    assert readyz() == (200, {"status": "ok"})


def test_a_stranger_learns_only_that_it_is_unavailable(readyz, broken_channel_layer):
    assert readyz() == (503, {"status": "unavailable"})


@pytest.mark.parametrize(
    "authorization",
    ["Bearer probe-secret-2", "Bearer probe-secret-1x", "Token probe-secret-1", "probe-secret-1"],
)
def test_a_wrong_token_learns_nothing_more(readyz, settings, authorization):
    settings.PIXME_READYZ_TOKEN = "probe-secret-1"
    assert readyz(HTTP_AUTHORIZATION=authorization) == (200, {"status": "ok"})


def test_with_no_token_set_no_header_opens_the_details(readyz, settings):
    settings.PIXME_READYZ_TOKEN = ""
    assert readyz(HTTP_AUTHORIZATION="Bearer ") == (200, {"status": "ok"})


def test_a_probe_with_the_token_reads_every_check(readyz, settings):
    settings.PIXME_READYZ_TOKEN = "probe-secret-1"
    status, body = readyz(HTTP_AUTHORIZATION="Bearer probe-secret-1")
    assert (status, body["status"]) == (200, "ok")
    assert set(body["checks"]) == CHECKS
    assert body["checks"]["storage"]["backend"] == "FileSystemStorage"
    assert all(check["ok"] and check["ms"] >= 0 for check in body["checks"].values())


def test_a_probe_with_the_token_reads_what_is_down(readyz, settings, broken_channel_layer):
    settings.PIXME_READYZ_TOKEN = "probe-secret-1"
    status, body = readyz(HTTP_AUTHORIZATION="bearer probe-secret-1")
    assert (status, body["status"]) == (503, "unavailable")
    assert not body["checks"]["channel_layer"]["ok"] and body["checks"]["database"]["ok"]


@pytest.mark.parametrize("address", ["10.1.2.3", "::ffff:10.1.2.3", "fd00::7"])
def test_a_probe_from_an_allowed_network_reads_every_check(readyz, settings, address):
    settings.PIXME_READYZ_NETWORKS = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "fd00::/8")]
    status, body = readyz(REMOTE_ADDR=address)
    assert status == 200 and set(body["checks"]) == CHECKS


@pytest.mark.parametrize("address", ["11.1.2.3", "127.0.0.1", "fe80::1", "not-an-address"])
def test_a_probe_from_elsewhere_learns_nothing_more(readyz, settings, address):
    settings.PIXME_READYZ_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    assert readyz(REMOTE_ADDR=address) == (200, {"status": "ok"})


def test_behind_nginx_the_probe_is_the_client_nginx_saw_not_nginx(readyz, settings):
    settings.PIXME_TRUSTED_PROXIES = 1
    settings.PIXME_READYZ_NETWORKS = [
        ipaddress.ip_network("127.0.0.1"),
        ipaddress.ip_network("10.0.0.0/8"),
    ]
    via_nginx = {"REMOTE_ADDR": "127.0.0.1"}
    assert readyz(**via_nginx, HTTP_X_FORWARDED_FOR="203.0.113.9") == (200, {"status": "ok"})
    status, body = readyz(**via_nginx, HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.5")
    assert "checks" in body  # nginx appended the probe's 10.0.0.5


def test_a_forwarded_header_from_a_stranger_is_not_believed(readyz, settings):
    settings.PIXME_TRUSTED_PROXIES = 0
    settings.PIXME_READYZ_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    assert readyz(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.0.0.5") == (
        200,
        {"status": "ok"},
    )
