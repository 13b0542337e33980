"""Speed of one create on an idle site: the POST, the first progress, the finished avatar.

Run: .venv/bin/python bench/latency.py [--quick]

Starts the real site (uvicorn, embedded default: SQLite, in-process jobs, in-memory channel
layer) over a throwaway var/ directory, makes one user, and creates N Comics avatars with the
studio engine from a 1024² real face photo (skimage's astronaut, JPEG), one after another,
each waited for. One create before them warms the process up and is not counted.

- create POST: ``POST /api/avatars/`` with a token, request sent → 202 read.
- first progress: 202 read → the job's start (its turn's ``started_at``, written when the
  runner claims it and reports "Finding your face"). Also reported, for information: the job
  seen running on ``ws/avatars/<id>/`` opened right after the 202 (a ``progress`` event or a
  first ``snapshot`` in which it is running), which adds the socket's opening.
- done: 202 read → its ``done`` event (or a snapshot that shows it finished). The job then
  measures the likeness and stores the WebP; the next create waits for that (its
  ``likeness`` event, then its task record), so each starts on an idle runner.

Targets (p95): create POST ≤ 50 ms, first progress ≤ 30 ms, done ≤ 400 ms. N = 15 (5 with
``--quick``). The load average at the start is recorded: the figures mean little on a busy
machine.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from PIL import Image  # noqa: E402
from skimage import data  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from bench.common import Result, report, timing  # noqa: E402
from tests.liveserver import LiveSite  # noqa: E402

N = 15
QUICK_N = 5
TARGETS_MS = {"create_post": 50.0, "first_progress": 30.0, "done": 400.0}
INFO = {"seen_running": "202 → job seen running on a websocket opened after the 202 (info)"}
WORDS = {
    "create_post": "create POST (API, 1024² JPEG) → 202",
    "first_progress": "202 → the job's first progress (its start, from the database)",
    "done": "202 → done event (websocket)",
}
PASSWORD = "Bench-Latency-2026"
RUNNING = ("running", "succeeded")

MAKE_USERS = """
from accounts.services import user_create
for i in range({count}):
    user_create(username=f"{prefix}{{i:02d}}", password={password!r})
"""
# The default create rate is 10 a minute per user (PIXME_CREATE_RATE): one after another,
# creates go round this many users, so no user is throttled and the limits stay as shipped.
CREATES_PER_USER = 5


def selfie_jpeg(side: int = 1024) -> bytes:
    """A real face photo (skimage's astronaut), resized to side², as a JPEG."""
    buf = io.BytesIO()
    photo = Image.fromarray(data.astronaut()).resize((side, side), Image.Resampling.LANCZOS)
    photo.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def make_users(site: LiveSite, prefix: str, count: int, password: str = PASSWORD) -> dict:
    """Users with a password and an API token each (from ``POST /api/token/``): {name: token}."""
    site.manage("shell", "-c", MAKE_USERS.format(prefix=prefix, count=count, password=password))
    tokens = {}
    for i in range(count):
        username = f"{prefix}{i:02d}"
        response = requests.post(
            f"{site.url}/api/token/",
            data={"username": username, "password": password},
            timeout=60,
        )
        response.raise_for_status()
        tokens[username] = response.json()["token"]
    return tokens


def sign_in(site: LiveSite, username: str, password: str = PASSWORD) -> requests.Session:
    """A browser-like session signed in through the site's log-in form."""
    session = requests.Session()
    page = session.get(f"{site.url}/accounts/login/", timeout=30)
    page.raise_for_status()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{site.url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{site.url}/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"log-in failed: {response.status_code}")
    return session


def _seen_running(event: dict, turn: int) -> bool:
    if event["type"] == "snapshot":
        return any(t["turn"] == turn and t["status"] in RUNNING for t in event["turns"])
    if event.get("turn") != turn:
        return False
    return event["type"] == "done" or (
        event["type"] == "progress" and event.get("status", "running") in RUNNING
    )


def _seen_done(event: dict, turn: int) -> bool:
    if event["type"] == "snapshot":
        return any(t["turn"] == turn and t["status"] == "succeeded" for t in event["turns"])
    return event["type"] == "done" and event.get("turn") == turn


def _seen_failed(event: dict, turn: int) -> bool:
    if event["type"] == "snapshot":
        return any(t["turn"] == turn and t["status"] == "failed" for t in event["turns"])
    return event["type"] == "failed" and event.get("turn") == turn


def post_create(site: LiveSite, api: requests.Session, photo: bytes) -> dict:
    """POST one Comics create (studio engine) with the API; its 202 body."""
    response = api.post(
        f"{site.url}/api/avatars/",
        data={"style": "comics", "engine": "studio"},
        files={"photo": ("selfie.jpg", photo, "image/jpeg")},
        timeout=60,
    )
    if response.status_code != 202:
        raise RuntimeError(f"create answered {response.status_code}: {response.text[:300]}")
    return response.json()


def avatar_socket(site: LiveSite, avatar_id: int, cookie: str):
    """The avatar's progress websocket, opened as its owner's browser would."""
    return connect(
        f"ws://127.0.0.1:{site.port}/ws/avatars/{avatar_id}/",
        origin=site.url,
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=30,
    )


def create_once(
    site: LiveSite, api: requests.Session, cookie: str, photo: bytes
) -> dict[str, float]:
    """One create, waited for on the websocket; the three durations in seconds."""
    started = time.perf_counter()
    body = post_create(site, api, photo)
    answered = time.perf_counter()
    answered_at = time.time()
    turn = body["turns"][0]["turn"]
    times = {"create_post": answered - started}
    with avatar_socket(site, body["id"], cookie) as socket:
        while "done" not in times:
            event = json.loads(socket.recv(timeout=60))
            seen = time.perf_counter() - answered
            if "seen_running" not in times and _seen_running(event, turn):
                times["seen_running"] = seen
            if _seen_done(event, turn):
                times["done"] = seen
            elif _seen_failed(event, turn):
                raise RuntimeError(f"the avatar failed: {event}")
        # The job goes on after "done" (the likeness, the WebP): an idle machine for the next
        # create means waiting for its end, the likeness event.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            event = json.loads(socket.recv(timeout=30))
            if event["type"] == "likeness" and event.get("turn") == turn:
                break
    # ... and then the WebP download is stored: the job's record says when it is over.
    while (
        time.monotonic() < deadline
        and site.query(
            "select count(*) from django_tasks_database_dbtaskresult "
            "where status in ('READY', 'RUNNING')"
        )[0][0]
    ):
        time.sleep(0.005)
    # The job's first progress is written when it claims the turn (started_at, then the
    # "Finding your face" event at once): its delay after the 202, without the time the
    # client takes to open a websocket (which "seen_running" includes).
    ((started,),) = site.query("select started_at from avatars_turn where id = ?", turn)
    started_at = datetime.fromisoformat(started).replace(tzinfo=UTC).timestamp()
    times["first_progress"] = max(0.0, started_at - answered_at)
    return times


def measure(site: LiveSite, n: int, *, warm_up: int = 1, load: float | None = None) -> list[Result]:
    """Create warm_up + n avatars one after another on a running site; Results for the n.

    ``load``: the 1-minute load average before the site started (else: now), for the record.
    """
    users = make_users(
        site, f"latency{time.monotonic_ns()}-", -(-(warm_up + n) // CREATES_PER_USER)
    )
    photo = selfie_jpeg()
    load = os.getloadavg()[0] if load is None else load
    samples: dict[str, list[float]] = {key: [] for key in [*TARGETS_MS, *INFO]}
    people = [(token, sign_in(site, username)) for username, token in users.items()]
    for i in range(warm_up + n):
        token, browser = people[i // CREATES_PER_USER]
        # A separate session for the API: with the session cookie too, DRF would authenticate
        # by the session and ask for a CSRF token.
        with requests.Session() as api:
            api.headers["Authorization"] = f"Token {token}"
            times = create_once(site, api, browser.cookies["sessionid"], photo)
        if i >= warm_up:
            for key, seconds in times.items():
                samples[key].append(seconds)
    for _token, browser in people:
        browser.close()
    results = []
    for key, target in TARGETS_MS.items():
        figures = timing(samples[key]) | {"load_average_1m": round(load, 2)}
        results.append(
            Result(
                id=f"latency.{key}.p95_ms",
                target=f"{WORDS[key]}: p95 ≤ {target:.0f} ms",
                measured=(
                    f"median {figures['median_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms "
                    f"(N={figures['n']}, load {load:.2f})"
                ),
                met=figures["p95_ms"] <= target,
                figures=figures,
            )
        )
    for key, words in INFO.items():
        figures = timing(samples[key]) | {"load_average_1m": round(load, 2)}
        results.append(
            Result(
                id=f"latency.{key}.p95_ms",
                target=words,
                measured=(
                    f"median {figures['median_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms "
                    f"(N={figures['n']})"
                ),
                met=True,
                figures=figures,
            )
        )
    return results


def run(quick: bool = False) -> list[Result]:
    load = os.getloadavg()[0]
    site = LiveSite(Path(tempfile.mkdtemp(prefix="pixme-latency-")))
    site.migrate()
    site.start()
    try:
        return measure(site, QUICK_N if quick else N, load=load)
    finally:
        site.stop()


if __name__ == "__main__":
    raise SystemExit(report("latency", run(quick="--quick" in sys.argv[1:])))
