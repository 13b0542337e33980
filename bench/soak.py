"""Soak under restarts: many users create, edit, take, reel, share and delete for minutes while
the server is SIGKILLed and started again about every minute; then the storage check and the
database must agree.

Run: .venv/bin/python bench/soak.py [--quick] [--minutes M] [--kill-every S]

Not in bench/run's default list (it takes ten minutes and keeps both cores busy): run it by
name, ``bench/run soak``, or as above.

Starts the real site (uvicorn, embedded default: SQLite, the job runners as its child
processes, local media) over a throwaway data directory, with USERS users, a third of whom
chose to have their photo deleted once their avatar is done (#24's retention: those photos go
mid-soak, and what follows is drawn from the versions). THREADS client threads then act for
them, each at random (seeded) every few seconds through the API: create (one take, or two),
edit the current version, make the reel, share (with the reel, now and then), delete their
photo, delete an avatar. Meanwhile the server is killed with SIGKILL every KILL_EVERY seconds
(± a quarter, at random) — in the middle of whatever it was doing — and started again at once.
A request the kill cuts off is counted apart (its outcome unknown to the client); one sent
while the server is down is not sent again.

Once the time is up the site gets up to DRAIN seconds to finish every job (it recovered what
the last kill left when it started). Then:

- storage: ``manage.py pixme_check_storage`` exits 0: every file a row names is stored and
  decodes, and no stored file is left without its row.
- lost: every version the site answered 202 for, whose avatar was not deleted, ended —
  succeeded with its picture stored, or failed saying why — and none is missing.
- twice: no version was drawn twice: no version number used twice in an avatar, and no second
  picture stored (it would be an orphan to the storage check). A version re-queued at start-up
  while still queued gets a second job that finds it claimed and does nothing: counted apart.
- stuck: no version, after-work, reel or job is left queued or running.
- server errors: no 5xx answer.
- operations: at least 300 operations answered (50 with ``--quick``).

The figures (operations by kind and answer, kills, time to be serving again after a kill,
versions by status, photos deleted by retention, deletion receipts) go to
bench/results/soak.json. The load average at the start and the end is recorded: on a machine
shared with other work the pace, not the verdicts, moves with it.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench.common import Result, report  # noqa: E402
from bench.latency import make_users, selfie_jpeg  # noqa: E402
from tests.liveserver import ROOT, LiveSite  # noqa: E402

MINUTES = 10.0
QUICK_MINUTES = 2.0
KILL_EVERY = 60.0
QUICK_KILL_EVERY = 30.0
USERS = 12
THREADS = 6
PAUSE = (2.0, 8.0)  # seconds a client thread waits between two operations
DRAIN = 600.0
OPS_TARGET = 300
QUICK_OPS_TARGET = 50
SEED = 24
UNLIMITED = {
    "PIXME_MAX_UNFINISHED_PER_USER": "0",
    "PIXME_CREATE_RATE": "off",
    "PIXME_API_BURST_RATE": "off",
    "PIXME_API_SUSTAINED_RATE": "off",
    "PIXME_DAILY_QUOTA": "100000",
    "PIXME_SWEEP_SECONDS": "30",
}
# (operation, weight): edits most, as people do; deletes rarely.
OPERATIONS = [
    ("create", 3),
    ("takes", 1),
    ("edit", 5),
    ("reel", 1),
    ("share", 1),
    ("photo delete", 0.5),
    ("delete", 1),
]
EDITS = [
    "add round glasses",
    "make it warmer",
    "black and white",
    "add a crown",
    "make the background blue",
    "make it brighter",
]
STYLES = ["comics", "pop-art", "manga", "zombie", "pencil-sketch"]


class Soak:
    def __init__(self, site: LiveSite, tokens: dict[str, str], photo: bytes, seed: int):
        self.site = site
        self.tokens = tokens
        self.photo = photo
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.avatars: dict[str, list[int]] = {name: [] for name in tokens}
        self.busy: set[str] = set()  # one operation per user at a time, as a person acts
        self.accepted: dict[int, int] = {}  # turn id → avatar id, for every 202 version
        self.deleted: set[int] = set()  # avatars deleted (204)
        self.answers: collections.Counter = collections.Counter()  # (op, status) → n
        self.refusals: collections.Counter = collections.Counter()  # "op: code" → n (4xx)
        self.cut_off: collections.Counter = collections.Counter()  # op → requests a kill cut
        self.while_down: collections.Counter = collections.Counter()  # op → refused: down
        self.stop = threading.Event()

    # -- one operation -----------------------------------------------------------------------

    def _pick(self) -> tuple[str, str] | None:
        with self.lock:
            free = [name for name in self.tokens if name not in self.busy]
            if not free:
                return None
            name = self.random.choice(free)
            ops, weights = zip(*OPERATIONS, strict=True)
            op = self.random.choices(ops, weights)[0]
            if op not in ("create", "takes") and not self.avatars[name]:
                op = "create"
            self.busy.add(name)
            return name, op

    def _request(self, op: str, method: str, path: str, **kwargs) -> requests.Response | None:
        try:
            response = requests.request(method, self.site.url + path, timeout=60, **kwargs)
        except requests.ConnectionError as exc:
            # Refused at once: the server was down. Anything else: the kill cut it off.
            refused = "Connection refused" in str(exc) or "Errno 111" in str(exc)
            (self.while_down if refused else self.cut_off)[op] += 1
            return None
        except requests.Timeout:
            self.cut_off[op] += 1
            return None
        self.answers[(op, response.status_code)] += 1
        if 400 <= response.status_code < 500:
            try:
                code = response.json().get("code", "")
            except ValueError:
                code = ""
            self.refusals[f"{op}: {response.status_code} {code}"] += 1
        return response

    def act(self, name: str, op: str) -> None:
        headers = {"Authorization": f"Token {self.tokens[name]}"}
        with self.lock:
            avatar = self.random.choice(self.avatars[name]) if self.avatars[name] else None
            style = self.random.choice(STYLES)
            instruction = self.random.choice(EDITS)
            with_reel = self.random.random() < 0.3
        if op in ("create", "takes"):
            response = self._request(
                op,
                "POST",
                "/api/avatars/",
                headers=headers,
                data={
                    "style": style,
                    "engine": "studio",
                    "variants": "2" if op == "takes" else "1",
                },
                files={"photo": ("selfie.jpg", self.photo, "image/jpeg")},
            )
            if response is not None and response.status_code == 202:
                body = response.json()
                with self.lock:
                    self.avatars[name].append(body["id"])
                    for turn in body["turns"]:
                        self.accepted[turn["turn"]] = body["id"]
        elif op == "edit":
            response = self._request(
                op,
                "POST",
                f"/api/avatars/{avatar}/edits/",
                headers=headers,
                json={"instruction": instruction},
            )
            if response is not None and response.status_code == 202:
                with self.lock:
                    self.accepted[response.json()["turn"]] = avatar
        elif op == "reel":
            self._request(op, "POST", f"/api/avatars/{avatar}/reel/", headers=headers)
        elif op == "share":
            self._request(
                op,
                "POST",
                f"/api/avatars/{avatar}/share/",
                headers=headers,
                json={"reel": with_reel},
            )
        elif op == "photo delete":
            self._request(op, "DELETE", f"/api/avatars/{avatar}/photo/", headers=headers)
        elif op == "delete":
            response = self._request(op, "DELETE", f"/api/avatars/{avatar}/", headers=headers)
            if response is not None and response.status_code in (204, 404):
                with self.lock:
                    if avatar in self.avatars[name]:
                        self.avatars[name].remove(avatar)
                    self.deleted.add(avatar)

    def client(self, seed: int) -> None:
        pause = random.Random(seed)
        while not self.stop.wait(pause.uniform(*PAUSE)):
            picked = self._pick()
            if picked is None:
                continue
            name, op = picked
            try:
                self.act(name, op)
            finally:
                with self.lock:
                    self.busy.discard(name)

    @property
    def operations(self) -> int:
        return sum(self.answers.values())


# -- the run ---------------------------------------------------------------------------------


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _idle(site: LiveSite) -> dict[str, int]:
    """What is still queued or running, by kind (all zero: idle)."""
    one = lambda sql: site.query(sql)[0][0]  # noqa: E731
    return {
        "versions": one("select count(*) from avatars_turn where status in ('queued','running')"),
        "after_work": one(
            "select count(*) from avatars_turn where after_work in ('queued','running')"
        ),
        "reels": one("select count(*) from avatars_reel where status in ('queued','running')"),
        "jobs": one(
            "select count(*) from django_tasks_database_dbtaskresult "
            "where status in ('READY','RUNNING')"
        ),
    }


def _drain(site: LiveSite, timeout: float) -> tuple[float, dict[str, int]]:
    started = time.monotonic()
    left = _idle(site)
    while any(left.values()) and time.monotonic() - started < timeout:
        time.sleep(1.0)
        left = _idle(site)
    return time.monotonic() - started, left


def _storage_check(site: LiveSite) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, "manage.py", "pixme_check_storage"],
        cwd=ROOT,
        env=site.env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def _database_agrees(site: LiveSite, soak: Soak) -> dict:
    """Lost and twice-drawn versions, by the database."""
    turns = {
        turn_id: (avatar_id, status, image, message)
        for turn_id, avatar_id, status, image, message in site.query(
            "select id, avatar_id, status, image, error_message from avatars_turn"
        )
    }
    live = {row[0] for row in site.query("select id from avatars_avatar")}
    lost = []
    for turn_id, avatar_id in soak.accepted.items():
        if avatar_id not in live:
            continue  # deleted with its avatar (by its owner)
        row = turns.get(turn_id)
        if row is None:
            lost.append((turn_id, "missing"))
        elif row[1] == "succeeded" and not row[2]:
            lost.append((turn_id, "succeeded without its picture"))
        elif row[1] == "failed" and not row[3]:
            lost.append((turn_id, "failed without saying why"))
        elif row[1] not in ("succeeded", "failed", "cancelled"):
            lost.append((turn_id, row[1]))
    # A turn re-queued at start-up while still queued gets a second job, which finds it
    # claimed and returns: two SUCCESSFUL records, one drawing (information, not a fault).
    renders = collections.Counter(
        args
        for (args,) in site.query(
            "select args_kwargs from django_tasks_database_dbtaskresult "
            "where task_path like '%render_turn' and status = 'SUCCESSFUL'"
        )
    )
    numbers_twice = site.query(
        "select avatar_id, number, count(*) from avatars_turn group by avatar_id, number "
        "having count(*) > 1"
    )
    by_status = dict(site.query("select status, count(*) from avatars_turn group by status"))
    failures = dict(
        site.query(
            "select error_code, count(*) from avatars_turn where status = 'failed' "
            "group by error_code"
        )
    )
    return {
        "lost": lost,
        "numbers_twice": numbers_twice,
        "two_job_records": [args for args, n in renders.items() if n > 1],
        "versions_by_status": by_status,
        "failures_by_code": failures,
        "avatars_left": len(live),
        "photos_deleted": site.query(
            "select count(*) from avatars_avatar where photo_deleted_at is not null"
        )[0][0],
        "receipts": dict(
            site.query(
                "select kind || ' by ' || reason, count(*) from accounts_deletionreceipt "
                "group by kind, reason"
            )
        ),
    }


def soak_run(*, minutes: float, kill_every: float, ops_target: int) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="pixme-soak-") as tmp:
        site = LiveSite(Path(tmp) / "var", **UNLIMITED)
        site.migrate()
        site.start()
        load_start = _load()
        tokens = make_users(site, "soak", USERS)
        for name in list(tokens)[::3]:  # a third delete their photo once their avatar is done
            requests.patch(
                f"{site.url}/api/profile/",
                headers={"Authorization": f"Token {tokens[name]}"},
                json={"photo_retention": "when_done"},
                timeout=60,
            ).raise_for_status()
        soak = Soak(site, tokens, selfie_jpeg(512), SEED)
        clients = [
            threading.Thread(target=soak.client, args=(SEED + i,), daemon=True)
            for i in range(THREADS)
        ]
        for thread in clients:
            thread.start()
        kills, back_in = 0, []
        chance = random.Random(SEED)
        end = time.monotonic() + minutes * 60
        try:
            while True:
                wait = kill_every * chance.uniform(0.75, 1.25)
                if time.monotonic() + wait >= end:
                    time.sleep(max(0.0, end - time.monotonic()))
                    break
                time.sleep(wait)
                site.kill()
                kills += 1
                killed = time.monotonic()
                site.start()
                back_in.append(time.monotonic() - killed)
                print(f"kill {kills}: serving again in {back_in[-1]:.1f} s", flush=True)
            soak.stop.set()
            for thread in clients:
                thread.join(timeout=120)
            drain_s, left = _drain(site, DRAIN)
            code, check_out = _storage_check(site)
            agree = _database_agrees(site, soak)
        finally:
            site.stop()
        load_end = _load()
    return _results(
        soak,
        kills,
        back_in,
        drain_s,
        left,
        code,
        check_out,
        agree,
        minutes,
        ops_target,
        (load_start, load_end),
    )


def _results(
    soak, kills, back_in, drain_s, left, code, check_out, agree, minutes, ops_target, load
) -> list[Result]:
    answered: dict[str, dict[str, int]] = {}
    for (op, status), n in sorted(soak.answers.items()):
        answered.setdefault(op, {})[str(status)] = n
    server_errors = sum(n for (_op, status), n in soak.answers.items() if status >= 500)
    problems = [
        line
        for line in check_out.splitlines()
        if line.startswith(("MISSING", "ORPHAN", "UNREADABLE"))
    ]
    orphans = [line for line in problems if line.startswith("ORPHAN")]
    shape = {
        "minutes": minutes,
        "users": USERS,
        "threads": THREADS,
        "kills": kills,
        "serving_again_s": [round(s, 1) for s in back_in],
        "load_average": {"start": load[0], "end": load[1]},
    }
    return [
        Result(
            id="soak.operations",
            target=f"≥ {ops_target} operations answered from {USERS} users",
            measured=f"{soak.operations} answered in {minutes:g} min with {kills} kills; "
            f"{sum(soak.cut_off.values())} cut off by a kill, "
            f"{sum(soak.while_down.values())} sent while down",
            met=soak.operations >= ops_target,
            figures={
                **shape,
                "answers": answered,
                "refusals": dict(soak.refusals),
                "cut_off": dict(soak.cut_off),
                "while_down": dict(soak.while_down),
                "versions_accepted": len(soak.accepted),
                "avatars_deleted": len(soak.deleted),
            },
        ),
        Result(
            id="soak.storage_check",
            target="pixme_check_storage exits 0: no missing, broken or orphaned file",
            measured=f"exit {code}; {len(problems)} problem(s)"
            + (f": {problems[:5]}" if problems else ""),
            met=code == 0,
            figures={"exit": code, "problems": problems, "output_tail": check_out[-2000:]},
        ),
        Result(
            id="soak.lost",
            target="every accepted version of a kept avatar ended (picture stored, or why not)",
            measured=f"{len(agree['lost'])} lost of {len(soak.accepted)} accepted; "
            f"versions {agree['versions_by_status']}",
            met=not agree["lost"],
            figures=agree,
        ),
        Result(
            id="soak.drawn_twice",
            target="no version drawn twice: no version number used twice in an avatar, and no "
            "second picture stored (the storage check's orphans)",
            measured=f"{len(agree['numbers_twice'])} number(s) twice, {len(orphans)} orphan(s); "
            f"{len(agree['two_job_records'])} version(s) with a second job that found it "
            "claimed (information)",
            met=not agree["numbers_twice"] and not orphans,
            figures={
                "numbers_twice": agree["numbers_twice"],
                "two_job_records": agree["two_job_records"],
            },
        ),
        Result(
            id="soak.stuck",
            target=f"nothing queued or running {DRAIN:.0f} s after the last operation",
            measured=f"idle after {drain_s:.0f} s; left {left}",
            met=not any(left.values()),
            figures={"drain_s": round(drain_s, 1), "left": left},
        ),
        Result(
            id="soak.server_errors",
            target="no 5xx answer",
            measured=f"{server_errors} 5xx",
            met=server_errors == 0,
            figures={"server_errors": server_errors},
        ),
    ]


def run(quick: bool = False) -> list[Result]:
    return soak_run(
        minutes=QUICK_MINUTES if quick else MINUTES,
        kill_every=QUICK_KILL_EVERY if quick else KILL_EVERY,
        ops_target=QUICK_OPS_TARGET if quick else OPS_TARGET,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--minutes", type=float)
    parser.add_argument("--kill-every", type=float)
    args = parser.parse_args()
    minutes = args.minutes or (QUICK_MINUTES if args.quick else MINUTES)
    results = soak_run(
        minutes=minutes,
        kill_every=args.kill_every or (QUICK_KILL_EVERY if args.quick else KILL_EVERY),
        ops_target=round(
            (QUICK_OPS_TARGET if args.quick else OPS_TARGET)
            * minutes
            / (QUICK_MINUTES if args.quick else MINUTES)
        ),
    )
    sys.exit(report("soak", results))
