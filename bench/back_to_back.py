"""Back-to-back renders: how long a job queued right after another one finishes waits to start.

Run: .venv/bin/python bench/back_to_back.py [--quick]

Starts the real site (uvicorn, embedded default: SQLite, the job runners as child processes,
in-memory channel layer) over a throwaway var/ directory, and queues ten Comics creates (studio
engine, the 1024² astronaut selfie) back to back: each one is POSTed the moment the one before
it is seen "done" on its websocket, when that job's after-work (the likeness, the stored WebP
and its signing) is still to do. Then, as a control, IDLE creates each queued on an idle site
(the one before and its after-work over). ROUNDS rounds of both; one create before them warms
the process up and is not counted.

- start: the job's own record, read from the database: its turn's ``started_at`` (written when
  a runner claims it, with its first progress event) minus its task's ``enqueued_at``.
- idle start (information): the same for the control creates. On a machine shared with other
  work, both move with its load; back to back should start no later than idle.
- done (information): 202 read → its ``done`` event, so a change that made renders slower
  (after-work competing for the cores, say) shows here.

Target: start p95 ≤ 30 ms over every back-to-back job of every round. N = 30 (10 with
``--quick``). The load average at the start and the end is recorded: the figures mean little
on a busy machine.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench.common import Result, report, timing  # noqa: E402
from bench.latency import (  # noqa: E402
    CREATES_PER_USER,
    _seen_done,
    _seen_failed,
    avatar_socket,
    make_users,
    post_create,
    selfie_jpeg,
    sign_in,
)
from tests.liveserver import LiveSite  # noqa: E402

IN_A_ROW = 10
IDLE = 5
ROUNDS = 3
QUICK_ROUNDS = 1
TARGET_MS = 30.0


def _when(value: str) -> float:
    """A datetime as SQLite keeps it (UTC, no zone) → seconds since the epoch."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()


def wait_idle(site: LiveSite, timeout: float = 60.0) -> None:
    """Until no job is queued or running (after-work included): the next round starts idle."""
    deadline = time.monotonic() + timeout
    busy = (
        "select count(*) from django_tasks_database_dbtaskresult "
        "where status in ('READY', 'RUNNING')"
    )
    while site.query(busy)[0][0]:
        if time.monotonic() > deadline:
            raise RuntimeError("the site did not fall idle")
        time.sleep(0.01)


def create_until_done(site: LiveSite, api: requests.Session, cookie: str, photo: bytes) -> tuple:
    """POST one create and wait for its done event: (turn id, seconds from 202 to done)."""
    body = post_create(site, api, photo)
    answered = time.perf_counter()
    turn = body["turns"][0]["turn"]
    with avatar_socket(site, body["id"], cookie) as socket:
        while True:
            event = json.loads(socket.recv(timeout=60))
            if _seen_done(event, turn):
                return turn, time.perf_counter() - answered
            if _seen_failed(event, turn):
                raise RuntimeError(f"the avatar failed: {event}")


def starts(site: LiveSite, turn_ids: list[int]) -> list[float]:
    """Each turn's start after its job was queued, in seconds, from the database."""
    queued = {}
    rows = site.query(
        "select args_kwargs, enqueued_at from django_tasks_database_dbtaskresult "
        "where task_path = 'avatars.tasks.render_turn'"
    )
    for args_kwargs, enqueued_at in rows:
        (turn_id,) = json.loads(args_kwargs)["args"]
        queued[turn_id] = min(queued.get(turn_id, float("inf")), _when(enqueued_at))
    found = []
    for turn_id in turn_ids:
        ((started_at,),) = site.query("select started_at from avatars_turn where id = ?", turn_id)
        found.append(max(0.0, _when(started_at) - queued[turn_id]))
    return found


def measure(site: LiveSite, rounds: int, *, load: float | None = None) -> list[Result]:
    load = os.getloadavg()[0] if load is None else load
    creates = 1 + rounds * (IN_A_ROW + IDLE)
    users = make_users(site, f"b2b{time.monotonic_ns()}-", -(-creates // CREATES_PER_USER))
    people = [(token, sign_in(site, username)) for username, token in users.items()]
    photo = selfie_jpeg()
    start_s: list[float] = []
    idle_s: list[float] = []
    done_s: list[float] = []
    made = 0

    def one() -> tuple:
        nonlocal made
        token, browser = people[made // CREATES_PER_USER]
        made += 1
        with requests.Session() as api:
            api.headers["Authorization"] = f"Token {token}"
            return create_until_done(site, api, browser.cookies["sessionid"], photo)

    one()  # warm-up
    for _ in range(rounds):
        wait_idle(site)
        turns = []
        for _ in range(IN_A_ROW):
            turn, done = one()
            turns.append(turn)
            done_s.append(done)
        wait_idle(site)
        start_s.extend(starts(site, turns))
        for _ in range(IDLE):
            wait_idle(site)
            idle_s.extend(starts(site, [one()[0]]))
    for _token, browser in people:
        browser.close()

    loads = {"load_average_1m": round(load, 2), "load_average_1m_end": round(os.getloadavg()[0], 2)}
    start = timing(start_s) | loads | {"all_ms": [round(s * 1000, 1) for s in start_s]}
    idle = timing(idle_s) | loads | {"all_ms": [round(s * 1000, 1) for s in idle_s]}
    done = timing(done_s) | loads
    return [
        Result(
            id="back_to_back.start.p95_ms",
            target=(
                f"{IN_A_ROW} renders queued back to back, each as the one before is done: "
                f"queued → started, p95 ≤ {TARGET_MS:.0f} ms"
            ),
            measured=(
                f"median {start['median_ms']:.0f} ms, p95 {start['p95_ms']:.0f} ms, max "
                f"{start['max_ms']:.0f} ms (N={start['n']}, load {load:.2f} → "
                f"{loads['load_average_1m_end']:.2f})"
            ),
            met=start["p95_ms"] <= TARGET_MS,
            figures=start,
        ),
        Result(
            id="back_to_back.idle_start.p95_ms",
            target="control: renders each queued on an idle site, queued → started (information)",
            measured=(
                f"median {idle['median_ms']:.0f} ms, p95 {idle['p95_ms']:.0f} ms (N={idle['n']})"
            ),
            met=True,
            figures=idle,
        ),
        Result(
            id="back_to_back.done.p95_ms",
            target="the same renders: 202 → done event (information)",
            measured=(
                f"median {done['median_ms']:.0f} ms, p95 {done['p95_ms']:.0f} ms (N={done['n']})"
            ),
            met=True,
            figures=done,
        ),
    ]


def run(quick: bool = False) -> list[Result]:
    load = os.getloadavg()[0]
    site = LiveSite(Path(tempfile.mkdtemp(prefix="pixme-b2b-")))
    site.migrate()
    site.start()
    try:
        return measure(site, QUICK_ROUNDS if quick else ROUNDS, load=load)
    finally:
        site.stop()


if __name__ == "__main__":
    raise SystemExit(report("back_to_back", run(quick="--quick" in sys.argv[1:])))
