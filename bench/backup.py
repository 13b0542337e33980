"""Backups: how long ``pixme_backup``, ``pixme_restore`` and ``pixme_check_storage`` take, and
how big the archive is, for a site with N avatars.

Run: .venv/bin/python bench/backup.py [--quick]

Starts the real site (uvicorn, embedded default) over a throwaway data directory and creates N
avatars through the API from a 1024² real face photo (skimage's astronaut, a phone-sized
upload), each drawn by the studio engine: a selfie, a PNG, a thumbnail and a WebP download
apiece. Then, with the site still running, times ``manage.py pixme_backup OUT
--with-secrets``, ``pixme_restore`` into an empty directory and ``pixme_check_storage`` on
the restored copy, each as the command an operator runs (wall clock, Python's and Django's
start-up included: about 1.2 s of each) and as the time the command reports for its own work
(from the database snapshot to the rename; from the first sum checked to the last move).

Targets (this machine, 2 cores; the files just written, so mostly in the page cache): backup
and restore each move at least 20 MB/s of archive in their own time (an hourly backup of a
10 GB site then takes under 9 minutes); the storage check decodes at least 10 files a second
in its own time. N = 100 (10 with ``--quick``).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Result, report  # noqa: E402
from tests.liveserver import ROOT, LiveSite  # noqa: E402

N = 100
QUICK_N = 10
TARGET_MB_S = 20.0
TARGET_FILES_S = 10.0
UNLIMITED = {
    "PIXME_MAX_UNFINISHED_PER_USER": "0",
    "PIXME_CREATE_RATE": "off",
    "PIXME_API_BURST_RATE": "off",
    "PIXME_API_SUSTAINED_RATE": "off",
    "PIXME_DAILY_QUOTA": "100000",
}
PERSON = """
from accounts.services import api_token_create, user_create
user = user_create(username="bench", password="Bench-Mark-123")
print(api_token_create(user=user, name="bench")[1])
"""


def _photo() -> bytes:
    from PIL import Image
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).resize((1024, 1024)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _timed(env: dict, *args: str) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    seconds = time.monotonic() - started
    if result.returncode not in (0, 1) or "Traceback" in result.stderr:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
    return seconds, result.stdout


def _own_seconds(output: str) -> float:
    """The time a command reports for its own work ("… in 1.52 s." or "… (6.31 s)")."""
    return float(re.search(r"(?: in |\()([\d.]+) s[.)]", output).group(1))


def _site_with_avatars(site: LiveSite, n: int) -> None:
    from tests.scaleout.cluster import create_avatar

    token = site.manage("shell", "-c", PERSON).strip().splitlines()[-1]
    photo = _photo()
    for _ in range(n):
        create_avatar(site, token, photo)
    deadline = time.monotonic() + 60 * n
    sql = "select count(*) from avatars_turn where status != 'succeeded' or webp = ''"
    while site.query(sql)[0][0] and time.monotonic() < deadline:
        time.sleep(1)
    if site.query(sql)[0][0]:
        raise RuntimeError(f"the site did not draw {n} avatars in time:\n{site.log.read_text()}")


def run(quick: bool = False) -> list[Result]:
    n = QUICK_N if quick else N
    tmp = Path(tempfile.mkdtemp(prefix="pixme-bench-backup-"))
    site = LiveSite(tmp / "var", **UNLIMITED)
    site.migrate()
    site.start()
    try:
        _site_with_avatars(site, n)
        out = tmp / "pixme.tar"
        backup_s, backup_out = _timed(site.env, "pixme_backup", str(out), "--with-secrets")
    finally:
        site.stop()
    size_mb = out.stat().st_size / 1e6
    files = int(re.search(r"and (\d+) stored files", backup_out).group(1))
    restored = {**site.env, "PIXME_VAR_DIR": str(tmp / "restored")}
    restore_s, restore_out = _timed(restored, "pixme_restore", str(out))
    backup_own, restore_own = (_own_seconds(text) for text in (backup_out, restore_out))
    check_s, check_out = _timed(restored, "pixme_check_storage")
    if "all there, all decode" not in check_out:
        raise RuntimeError(f"the restored site's storage isn't clean:\n{check_out}")
    check_own = _own_seconds(check_out)
    shape = {"avatars": n, "files": files, "archive_mb": round(size_mb, 1)}
    where = f"N={n} avatars, {files} files, {size_mb:.0f} MB"
    return [
        _throughput("backup", "site running", backup_own, backup_s, size_mb, shape, where),
        _throughput("restore", "sums checked first", restore_own, restore_s, size_mb, shape, where),
        Result(
            id="backup.check_files_per_s",
            target=f"≥ {TARGET_FILES_S:.0f} files/s decoded by pixme_check_storage",
            measured=f"{check_own:.2f} s, {files / check_own:.0f} files/s; {check_s:.1f} s "
            f"wall ({where})",
            met=files / check_own >= TARGET_FILES_S,
            figures={**shape, "seconds": check_own, "wall_seconds": round(check_s, 2)},
        ),
    ]


def _throughput(
    name: str, how: str, own: float, wall: float, size_mb: float, shape: dict, where: str
) -> Result:
    return Result(
        id=f"backup.{name}_mb_per_s",
        target=f"≥ {TARGET_MB_S:.0f} MB/s of archive, {how}",
        measured=f"{own:.2f} s, {size_mb / own:.0f} MB/s; {wall:.1f} s wall ({where})",
        met=size_mb / own >= TARGET_MB_S,
        figures={**shape, "seconds": own, "wall_seconds": round(wall, 2)},
    )


if __name__ == "__main__":
    results = run(quick="--quick" in sys.argv)
    print(json.dumps([r.figures for r in results]))
    sys.exit(report("backup", results))
