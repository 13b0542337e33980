"""What every benchmark shares: statistics, the met/missed verdict, the results file.

A benchmark module exposes ``run(quick: bool = False) -> list[Result]`` and, when run as a
script, prints its table and writes ``bench/results/<name>.json`` through :func:`report`.
``bench/run`` calls every module's ``run`` and joins the results into
``bench/results/latest.json``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup_django(settings: str = "tests.settings") -> None:
    """Import Django with the given settings (the tests' by default: throwaway var/)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django

    django.setup()


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Result:
    """One target: what it asks, what was measured, met or not."""

    id: str  # stable key, e.g. "studio.neon.median_ms"
    target: str  # the target in words, e.g. "median ≤ 200 ms at 1024², one core"
    measured: str  # the figure in words, e.g. "median 142 ms, p95 151 ms (N=15)"
    met: bool
    figures: dict = field(default_factory=dict)  # the raw numbers (ms, MB, N…)


def timing(samples_s: list[float]) -> dict:
    """Median and p95 of samples in seconds, as milliseconds."""
    return {
        "n": len(samples_s),
        "median_ms": round(statistics.median(samples_s) * 1000, 1),
        "p95_ms": round(percentile(samples_s, 95) * 1000, 1),
        "min_ms": round(min(samples_s) * 1000, 1),
        "max_ms": round(max(samples_s) * 1000, 1),
    }


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def print_table(results: list[Result]) -> None:
    for r in results:
        verdict = "met   " if r.met else "MISSED"
        print(f"{verdict} {r.id:38} {r.measured}  (target: {r.target})")


def write(name: str, results: list[Result]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(
        json.dumps(
            {
                "name": name,
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": machine(),
                "results": [asdict(r) for r in results],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    return path


def report(name: str, results: list[Result]) -> int:
    """Print, write bench/results/<name>.json; exit status 1 when a target was missed."""
    print_table(results)
    print(f"wrote {write(name, results).relative_to(ROOT)}")
    return 0 if all(r.met for r in results) else 1
