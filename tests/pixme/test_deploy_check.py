"""One production switch (PIXME_HTTPS), with the proxy in front named (PIXME_TRUSTED_PROXIES),
makes `manage.py check --deploy` clean."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.liveserver import ROOT


def _check_deploy(tmp_path, **env) -> subprocess.CompletedProcess:
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pixme.settings",
        "PIXME_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "",
        "ALLOWED_HOSTS": "pixme.example",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_the_switch_it_warns_about_https(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr, warning


def test_with_the_switch_it_is_clean(tmp_path):
    result = _check_deploy(tmp_path, PIXME_HTTPS="true", PIXME_TRUSTED_PROXIES="1")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_behind_a_proxy_it_asks_which_proxy_to_believe(tmp_path):
    """Without it every client would be the proxy: one client's failures would lock all out."""
    result = _check_deploy(tmp_path, PIXME_HTTPS="true")
    assert result.returncode != 0
    assert "pixme.W001" in result.stderr and "PIXME_TRUSTED_PROXIES" in result.stderr
    networks = _check_deploy(tmp_path, PIXME_HTTPS="true", PIXME_TRUSTED_PROXIES="10.0.0.0/8")
    assert networks.returncode == 0, networks.stderr


def test_a_setting_that_is_neither_a_count_nor_networks_stops_start_up(tmp_path):
    result = _check_deploy(tmp_path, PIXME_HTTPS="true", PIXME_TRUSTED_PROXIES="nginx")
    assert result.returncode != 0
    assert "PIXME_TRUSTED_PROXIES must be a number of proxies" in result.stderr
