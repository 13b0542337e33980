"""/healthz and /readyz on the real services, and a 503 naming what is not reachable."""

import json

import pytest

from tests.scaleout.cluster import request

pytestmark = pytest.mark.scaleout


def test_readyz_names_every_service_and_is_ready(running):
    status, headers, body = request("GET", running.webs["web-a"].url + "/readyz")
    assert status == 200, body
    payload = json.loads(body)
    assert payload["status"] == "ok"
    checks = payload["checks"]
    assert set(checks) == {"database", "channel_layer", "storage", "task_queue"}
    assert all(check["ok"] for check in checks.values())
    assert checks["channel_layer"]["backend"] == "RedisChannelLayer"
    assert checks["storage"]["backend"] == "S3Storage"
    assert "no-cache" in headers["Cache-Control"]


def test_healthz_answers(running):
    status, _h, body = request("GET", running.webs["web-b"].url + "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})


def test_readyz_is_503_when_redis_is_unreachable(running):
    web = None
    saved = running.env["REDIS_URL"]
    try:
        running.env["REDIS_URL"] = "redis://127.0.0.1:1/0"
        web = running.start_web("web-no-redis")
        status, _h, body = request("GET", web.url + "/readyz")
    finally:
        running.env["REDIS_URL"] = saved
        if web is not None:
            web.process.terminate()
            web.process.wait(timeout=15)
            del running.webs["web-no-redis"]
    assert status == 503
    checks = json.loads(body)["checks"]
    assert not checks["channel_layer"]["ok"] and checks["database"]["ok"]
