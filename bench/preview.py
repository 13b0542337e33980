"""The slider's live preview: the studio at 256 px for a photo, style and strength, on one core.

Run: .venv/bin/python bench/preview.py   (writes bench/results/preview.json)

The photo's face (with its identity embedding) and person mask are found once before the
clock starts, as the site keeps them with the selfie. Each style is then previewed at every
strength from 0 to 100 in steps of 5 (a drag across the slider), on both portraits, after a
warm-up: first the picture alone (``with_likeness=False``, the frames of a drag), then the
picture with its likeness (the frame when the slider rests). Target (issue #27): p95 ≤ 60 ms
at 256 px on one core. Wall-clock, with the process's CPU time beside it: another process on
the same core stretches the first, not the second.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Result, percentile, report, setup_django  # noqa: E402
from bench.studio_styles import photos, pin_to_one_core  # noqa: E402

TARGET_MS = 60
STRENGTHS = range(0, 101, 5)


def run(quick: bool = False) -> list[Result]:
    setup_django()
    core = pin_to_one_core()
    from avatars import person as people
    from avatars.engines.studio.preview import studio_preview
    from avatars.engines.studio.registry import STYLES
    from avatars.faces import analyse

    strengths = range(0, 101, 50) if quick else STRENGTHS
    found = {name: (photo, analyse(photo), people.find(photo)) for name, photo in photos().items()}
    results = []
    every: dict[bool, list[float]] = {False: [], True: []}
    for with_likeness in (False, True):
        for slug in STYLES:
            wall, cpu = [], []
            for photo, faces, person in found.values():

                def preview(strength, photo=photo, faces=faces, person=person, slug=slug):
                    return studio_preview(
                        photo=photo,
                        faces=faces,
                        person=person,
                        style_slug=slug,
                        style_strength=strength,
                        with_likeness=with_likeness,  # noqa: B023 - called in this loop only
                    )

                preview(50)  # warm-up
                for strength in strengths:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    preview(strength)
                    wall.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
            every[with_likeness] += wall
            p95, cpu_p95 = percentile(wall, 95), percentile(cpu, 95)
            what = "picture and likeness" if with_likeness else "picture alone"
            results.append(
                Result(
                    id=f"preview.{'likeness' if with_likeness else 'picture'}.{slug}",
                    target=f"p95 ≤ {TARGET_MS} ms at 256 px, one core (cpu {core}): {what}",
                    measured=(
                        f"p95 {p95:.0f} ms, median {statistics.median(wall):.0f} ms "
                        f"(cpu p95 {cpu_p95:.0f} ms; N={len(wall)})"
                    ),
                    met=p95 <= TARGET_MS,
                    figures={
                        "p95_ms": round(p95, 1),
                        "median_ms": round(statistics.median(wall), 1),
                        "cpu_p95_ms": round(cpu_p95, 1),
                        "n": len(wall),
                    },
                )
            )
    for with_likeness, wall in every.items():
        what = "likeness" if with_likeness else "picture"
        results.append(
            Result(
                id=f"preview.{what}.all",
                target=f"p95 ≤ {TARGET_MS} ms at 256 px, one core, every style",
                measured=f"p95 {percentile(wall, 95):.0f} ms (N={len(wall)})",
                met=percentile(wall, 95) <= TARGET_MS,
                figures={"p95_ms": round(percentile(wall, 95), 1), "n": len(wall)},
            )
        )
    return results


if __name__ == "__main__":
    raise SystemExit(report("preview", run()))
