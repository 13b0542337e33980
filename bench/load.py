"""Speed under load: 50 signed-in people browsing while 10 of them create avatars.

Run: .venv/bin/python bench/load.py [--quick]

Starts the real site (uvicorn, embedded default: SQLite, in-process jobs, in-memory channel
layer, the default fair-use limits) over a throwaway var/ directory on 127.0.0.1, makes USERS
accounts with AVATARS avatars each (through the API, from a 512² real face photo, all finished
before the load starts) and signs each in through the log-in form, then runs locust headless
in a subprocess with bench/locustfile.py: USERS signed-in people browsing (home, avatar list,
an avatar, profile; 1–3 s between clicks), CREATORS of whom also create 1024² studio Comics
avatars through the site's form, each waited for by polling its status before browsing on and
creating again. Locust runs WARM_UP + SECONDS; requests started in the warm-up are left out.

Targets: signed-in page views p95 ≤ 100 ms; no errors (a 429 is counted apart and said so);
every avatar created under load finished once the load stops (waited for up to 5 minutes).
``--quick``: 10 people (2 creating), 5 s warm-up, 15 s measured. Locust shares the machine
with the site; the CPU time each used over the run is recorded (site_cpu_s, locust_cpu_s).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench.common import ROOT, Result, report, timing  # noqa: E402
from bench.latency import make_users, selfie_jpeg, sign_in  # noqa: E402
from tests.liveserver import LiveSite  # noqa: E402

FULL = {"users": 50, "creators": 10, "warm_up": 15, "seconds": 60, "avatars": 2}
QUICK = {"users": 10, "creators": 2, "warm_up": 5, "seconds": 15, "avatars": 1}
TARGET_PAGE_P95_MS = 100.0
PASSWORD = "Bench-Load-2026"


def _wait_for_jobs(site: LiveSite, timeout: float) -> float:
    """Seconds until no turn is queued or running (or timeout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        unfinished = site.query(
            "SELECT COUNT(*) FROM avatars_turn WHERE status IN (?, ?)", "queued", "running"
        )[0][0]
        if not unfinished:
            break
        time.sleep(0.5)
    return time.monotonic() - started


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def seed(site: LiveSite, users: int, avatars: int) -> list[dict]:
    """USERS signed-in accounts with AVATARS finished avatars each, for the locustfile."""
    tokens = make_users(site, "person", users, PASSWORD)
    photo = selfie_jpeg(512)
    accounts = []
    with requests.Session() as api:
        for username, token in tokens.items():
            made = []
            for _ in range(avatars):
                response = api.post(
                    f"{site.url}/api/avatars/",
                    headers={"Authorization": f"Token {token}"},
                    data={"style": "comics", "engine": "studio"},
                    files={"photo": ("selfie.jpg", photo, "image/jpeg")},
                    timeout=60,
                )
                if response.status_code != 202:
                    raise RuntimeError(f"seeding: {response.status_code} {response.text[:300]}")
                made.append(response.json()["id"])
            # Signed in through the log-in form here, not under load: a log-in hashes the
            # password (PBKDF2, about half a second of CPU), and 50 of them would still be
            # queueing when the measured minute starts. The people carry the session cookie,
            # like a browser that was signed in yesterday.
            with sign_in(site, username, PASSWORD) as browser:
                session = browser.cookies["sessionid"]
            accounts.append({"username": username, "session": session, "avatars": made})
    _wait_for_jobs(site, timeout=600)
    return accounts


def swarm(site: LiveSite, tmp: Path, accounts: list[dict], shape: dict) -> list[list]:
    """Run locust headless; every request as [start, name, ms, status, failed]."""
    (tmp / "accounts.json").write_text(json.dumps(accounts))
    (tmp / "selfie.jpg").write_bytes(selfie_jpeg())
    timings = tmp / "timings.json"
    log = tmp / "locust.log"
    run_time = shape["warm_up"] + shape["seconds"]
    with log.open("wb") as out:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--only-summary",
                "--host",
                site.url,
                "--users",
                str(shape["users"]),
                "--spawn-rate",
                str(max(1, shape["users"] // 5)),
                "--run-time",
                f"{run_time}s",
                "--exit-code-on-error",
                "0",
                "--accounts-file",
                str(tmp / "accounts.json"),
                "--timings-file",
                str(timings),
                "--photo-file",
                str(tmp / "selfie.jpg"),
                "--creators",
                str(shape["creators"]),
            ],
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=run_time + 120,
            check=False,
        )
    if done.returncode or not timings.exists():
        raise RuntimeError(f"locust failed ({done.returncode}):\n{log.read_text()[-3000:]}")
    return json.loads(timings.read_text())


def run(quick: bool = False) -> list[Result]:
    shape = QUICK if quick else FULL
    load = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="pixme-load-"))
    site = LiveSite(tmp)
    site.migrate()
    site.start()
    try:
        accounts = seed(site, shape["users"], shape["avatars"])
        (seeded,) = site.query("SELECT COALESCE(MAX(id), 0) FROM avatars_turn")[0]
        site_cpu = _cpu_seconds(site.process.pid)
        locust_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        requests_made = swarm(site, tmp, accounts, shape)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # Both share the machine: what the site used, and what the load generator itself took.
        cpu = {
            "site_cpu_s": round(_cpu_seconds(site.process.pid) - site_cpu, 1),
            "locust_cpu_s": round(
                after.ru_utime + after.ru_stime - locust_cpu.ru_utime - locust_cpu.ru_stime, 1
            ),
        }
        drained_s = _wait_for_jobs(site, timeout=300)
        created = dict(
            site.query(
                "SELECT status, COUNT(*) FROM avatars_turn WHERE id > ? GROUP BY status", seeded
            )
        )
    finally:
        site.stop()
    return summarise(requests_made, created, drained_s, shape, load, cpu)


def summarise(
    requests_made: list[list],
    created: dict,
    drained_s: float,
    shape: dict,
    load: float,
    cpu: dict | None = None,
) -> list[Result]:
    begin = min(r[0] for r in requests_made) + shape["warm_up"]
    end = begin + shape["seconds"]
    measured = [r for r in requests_made if begin <= r[0] < end]
    pages = [r for r in measured if r[1].startswith("page: ")]
    page_s = [r[2] / 1000 for r in pages]
    throttled = [r for r in measured if r[3] == 429]
    errors = [r for r in measured if r[4] and r[3] != 429]
    who = f"{shape['users']} signed-in users ({shape['creators']} creating), {shape['seconds']} s"
    page_figures = timing(page_s) | {
        "pages_per_s": round(len(pages) / shape["seconds"], 1),
        "load_average_1m_at_start": round(load, 2),
        **(cpu or {}),
        "by_page_p95_ms": {
            name: timing([r[2] / 1000 for r in pages if r[1] == name])["p95_ms"]
            for name in sorted({r[1] for r in pages})
        },
        **shape,
    }
    kinds = Counter(r[1] for r in measured)
    others = {
        name: timing([r[2] / 1000 for r in measured if r[1] == name])
        for name in ("create", "status")
        if kinds[name]
    }
    succeeded = created.get("succeeded", 0)
    total = sum(created.values())
    return [
        Result(
            id="load.pages.p95_ms",
            target=f"page views, {who}: p95 ≤ {TARGET_PAGE_P95_MS:.0f} ms",
            measured=(
                f"median {page_figures['median_ms']:.0f} ms, p95 {page_figures['p95_ms']:.0f} ms "
                f"(N={len(pages)}, {page_figures['pages_per_s']}/s)"
            ),
            met=page_figures["p95_ms"] <= TARGET_PAGE_P95_MS,
            figures=page_figures,
        ),
        Result(
            id="load.errors",
            target=f"no errors, {who}",
            measured=(
                f"{len(errors)} errors in {len(measured)} requests"
                + (f"; {len(throttled)} answered 429 (counted apart)" if throttled else "")
            ),
            met=not errors,
            figures={
                "requests": len(measured),
                "errors": len(errors),
                "throttled_429": len(throttled),
                "errors_by_name": dict(Counter(f"{r[1]} {r[3]}" for r in errors)),
            },
        ),
        Result(
            id="load.jobs_done",
            target="every avatar created under load finished",
            measured=(
                f"{succeeded} of {total} done, {drained_s:.1f} s after the load stopped"
                + (
                    f" (create POST median {others['create']['median_ms']:.0f} ms)"
                    if others.get("create")
                    else ""
                )
            ),
            met=total > 0 and succeeded == total,
            figures={"statuses": created, "drained_s": round(drained_s, 1), **others},
        ),
    ]


if __name__ == "__main__":
    raise SystemExit(report("load", run(quick="--quick" in sys.argv[1:])))
