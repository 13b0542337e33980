"""One production switch (PIXME_HTTPS) makes `manage.py check --deploy` clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
    result = _check_deploy(tmp_path, PIXME_HTTPS="true")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
