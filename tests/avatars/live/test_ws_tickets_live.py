"""The README's Python example, run as written against the real site (uvicorn, embedded job
runner): a token client creates an avatar, follows its websocket to done through a ticket and
downloads the image. And what the server's log keeps of a ticket: nothing."""

import re
import subprocess
import sys

import pytest
import requests
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.sync.client import connect

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


def running_site(tmp_path, **options):
    site = LiveSite(tmp_path / "var", **options)
    site.var_dir.mkdir()
    site.migrate()
    site.token = site.shell(MAKE_TOKEN)
    site.start()
    yield site
    site.stop(grace=2)


@pytest.fixture
def site(tmp_path):
    yield from running_site(tmp_path)


@pytest.fixture
def logged_site(tmp_path):
    """The site with uvicorn's access log on, as scripts/run starts it (--log-level info)."""
    yield from running_site(tmp_path, log_level="info")


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


def test_a_ticket_never_reaches_the_servers_log(logged_site, selfie_jpeg):
    site = logged_site
    api = requests.Session()
    api.headers["Authorization"] = f"Token {site.token}"
    created = api.post(
        f"{site.url}/api/avatars/", data={"style": "comics"}, files={"photo": selfie_jpeg}
    )
    assert created.status_code == 202, created.text
    avatar_id = created.json()["id"]

    def ticket() -> dict:
        return api.post(f"{site.url}/api/avatars/{avatar_id}/ws-ticket/").json()

    used = ticket()
    with connect(used["url"]) as socket:  # the handshake is logged: "WebSocket …" [accepted]
        assert '"snapshot"' in socket.recv(timeout=10)
        # uvicorn's --ws-max-size refuses it before the consumer sees it (its reason, not ours).
        socket.send('{"type": "snapshot", "pad": "' + "x" * 8192 + '"}')
        with pytest.raises(ConnectionClosedError) as closed:
            while True:  # the render's progress may come first; then the close
                socket.recv(timeout=10)
    assert closed.value.rcvd.code == 1009
    assert "frames are at most" not in closed.value.rcvd.reason
    with pytest.raises(InvalidStatus):  # a spent ticket: refused, and logged with its 403
        connect(used["url"], open_timeout=10)
    unused = ticket()  # a plain GET of the socket's URL (a proxy that drops Upgrade)
    assert requests.get(unused["url"].replace("ws://", "http://"), timeout=10).status_code == 404
    site.stop()  # uvicorn's log is flushed on exit

    log = site.log.read_text()
    for secret in (used["ticket"], unused["ticket"], site.token):
        assert secret not in log, log
    # The lines are there, without the secret: accepted, refused (403), the plain GET (404).
    lines = [line for line in log.splitlines() if f"/ws/avatars/{avatar_id}/?ticket=" in line]
    assert len(lines) == 3 and all("ticket=[redacted]" in line for line in lines), lines
