"""The README's Python example, run as written against the real site (uvicorn, embedded job
runner): a token client creates an avatar, follows its websocket to done through a ticket and
downloads the image."""

import re
import subprocess
import sys

import pytest

from tests.liveserver import ROOT, LiveSite

pytestmark = pytest.mark.slow

MAKE_TOKEN = """
from accounts.services import api_token_create, user_create
user = user_create(username="ada", password="Lovelace-Test-1815")
print(api_token_create(user=user, name="script")[1])
"""


def readme_example() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Following progress from a program", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


@pytest.fixture
def site(tmp_path):
    site = LiveSite(tmp_path / "var")
    site.var_dir.mkdir()
    site.migrate()
    site.token = site.manage("shell", "-c", MAKE_TOKEN).strip().splitlines()[-1]
    site.start()
    yield site
    site.stop()


def test_the_readme_example_follows_an_avatar_to_done(site, tmp_path, selfie_jpeg):
    (tmp_path / "follow.py").write_text(readme_example())
    (tmp_path / "selfie.jpg").write_bytes(selfie_jpeg)
    result = subprocess.run(
        [sys.executable, "follow.py", "selfie.jpg"],
        cwd=tmp_path,
        env={
            **site.env,
            "PIXME_URL": site.url,
            "PIXME_TOKEN": site.token,
            "NO_PROXY": "127.0.0.1,localhost",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr + site.log.read_text()
    assert result.stdout.strip().endswith("saved avatar.png")
    assert (tmp_path / "avatar.png").read_bytes().startswith(b"\x89PNG")
    assert site.query("select status from avatars_turn") == [("succeeded",)]
