"""Uploads: how much one 40-megapixel upload, and five at once, grow the server.

Run: .venv/bin/python bench/upload_memory.py [--quick]

Starts the real site (uvicorn, embedded default) over a throwaway var/ directory with its job
runner off, so that only the upload is measured (the versions stay queued), and sends it
40-megapixel files of every format (bench/uploads.py's photos: skimage's astronaut scaled up
with sensor-like noise; HEIC at 35 MP, the most one HEVC picture holds) through
``POST /api/avatars/``:

- one: a single upload. Growth = the web process's peak RSS (VmHWM, reset through
  ``/proc/<pid>/clear_refs`` just before) minus its RSS before, on a process that has just
  answered one small create (so what every request loads is loaded). Target ≤ 400 MB.
- five at once: five users each send one such file at the same moment (threads released
  together), as they would from five phones. Target ≤ 1 GB. The site decodes at most
  PIXME_DECODES_AT_ONCE (2) at a time; the others wait for a slot (the wait is lifted to
  5 minutes here, so that all five are decoded on a busy machine too).

A fresh server for every measurement: memory an earlier upload left with the allocator would
otherwise be reused, and the growth under-counted. The 15 MB upload cap is lifted
(``PIXME_UPLOAD_MAX_BYTES``): a noisy 40 MP PNG is far bigger, but a flat one is not, and the
decoder's memory depends on the pixels, not the bytes; so are the per-user create rate and
cap (five users send 2 files each per server).
``--quick``: JPEG, WebP and the 16-bit RGBA PNG only.
"""

from __future__ import annotations

import re
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench.common import Result, report  # noqa: E402
from bench.latency import make_users, selfie_jpeg  # noqa: E402
from bench.uploads import SIZES, make_files  # noqa: E402
from tests.liveserver import LiveSite  # noqa: E402

TARGET_ONE_MB = 400
TARGET_FIVE_MB = 1024
AT_ONCE = 5
QUICK_FORMATS = ("jpeg", "webp", "png-16-rgba")
ENV = {
    "PIXME_EMBEDDED_WORKER": "false",
    "PIXME_UPLOAD_MAX_BYTES": str(1 << 30),
    "PIXME_CREATE_RATE": "off",
    "PIXME_MAX_UNFINISHED_PER_USER": "0",
    # Every upload waits for its slot, however busy the machine: all five are decoded.
    "PIXME_DECODE_WAIT_SECONDS": "300",
}


def _status_mb(pid: int, field: str) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024


def _post(url: str, token: str, name: str, data: bytes) -> int:
    response = requests.post(
        f"{url}/api/avatars/",
        headers={"Authorization": f"Token {token}"},
        files={"photo": (name, data)},
        data={"style": "comics"},
        timeout=300,
    )
    return response.status_code


def measure(site: LiveSite, tokens: list[str], path: Path, count: int) -> dict:
    """Start the site afresh, warm it up, send ``count`` copies of ``path`` at once."""
    site.start()
    try:
        pid = site.process.pid
        warm = selfie_jpeg()
        if _post(site.url, tokens[0], "warm.jpg", warm) != 202:
            raise RuntimeError("the warm-up create failed")
        data = path.read_bytes()
        time.sleep(0.5)  # let the warm-up's last bytes settle
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
        before = _status_mb(pid, "VmRSS")
        barrier = threading.Barrier(count)
        statuses: list[int] = [0] * count

        def send(i: int) -> None:
            barrier.wait()
            statuses[i] = _post(site.url, tokens[i], path.name, data)

        started = time.monotonic()
        threads = [threading.Thread(target=send, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
        peak = _status_mb(pid, "VmHWM")
        return {
            "growth_mb": round(peak - before, 1),
            "rss_before_mb": round(before, 1),
            "peak_mb": round(peak, 1),
            "statuses": statuses,
            "seconds": round(seconds, 2),
        }
    finally:
        site.stop()


def run(quick: bool = False) -> list[Result]:
    from PIL import Image

    results = []
    with tempfile.TemporaryDirectory(prefix="pixme-bench-upload-memory-") as tmp:
        folder = Path(tmp)
        files_dir = folder / "files"
        files_dir.mkdir()
        site = LiveSite(folder / "var", **ENV)
        site.var_dir.mkdir()
        site.migrate()
        site.start()
        try:
            tokens = list(make_users(site, "mem", AT_ONCE).values())
        finally:
            site.stop()
        print("making the 40 MP files…", flush=True)
        files = make_files(files_dir, "40mp", SIZES["40mp"])
        for name, path in files.items():
            if quick and name not in QUICK_FORMATS:
                continue
            with Image.open(path) as im:
                width, height = im.size
            file_mb = round(path.stat().st_size / 1e6, 1)
            for count, target in ((1, TARGET_ONE_MB), (AT_ONCE, TARGET_FIVE_MB)):
                figures = measure(site, tokens, path, count)
                figures.update(file_mb=file_mb, pixels=[width, height])
                growth = figures["growth_mb"]
                answered = ", ".join(str(s) for s in figures["statuses"])
                print(
                    f"  {name:12} ×{count}: +{growth:5.0f} MB (answers {answered}; "
                    f"{figures['seconds']:.1f} s)",
                    flush=True,
                )
                words = "one upload" if count == 1 else f"{count} uploads at once"
                results.append(
                    Result(
                        id=f"upload_memory.{'one' if count == 1 else 'five'}.{name}",
                        target=f"{words} of a {width}×{height} {name} grows the server "
                        f"≤ {target} MB",
                        measured=f"+{growth:.0f} MB (peak {figures['peak_mb']:.0f} MB; "
                        f"{file_mb} MB file; answers {answered})",
                        met=growth <= target and all(s == 202 for s in figures["statuses"]),
                        figures=figures,
                    )
                )
    return results


if __name__ == "__main__":
    raise SystemExit(report("upload_memory", run(quick="--quick" in sys.argv)))
