"""`manage.py runserver` is daphne's (it serves the progress socket in development); no other
process loads daphne and the Twisted reactor it installs."""

import os
import subprocess
import sys

from tests.liveserver import ROOT

ENV = {"DJANGO_SETTINGS_MODULE": "pixme.settings", "PYTHONPATH": str(ROOT)}


def run(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_runserver_is_daphnes_asgi_server():
    assert "--noasgi" in run("manage.py", "runserver", "--help")


def test_other_commands_load_no_twisted():
    loaded = run(
        "-c",
        "import sys, django; django.setup(); "
        "from django.core.management import call_command; call_command('check'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('daphne', 'twisted')))",
    )
    assert loaded.strip().splitlines()[-1] == "[]"
