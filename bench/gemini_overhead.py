"""How long our side of a Gemini render takes, against the fake Gemini server.

Target: overhead median < 150 ms (time in our code and the SDK before the request leaves
and after the reply arrives: total wall time of ``GeminiEngine.render`` minus the fake
server's own handling time), for a generation with a 20,000-character backstory, the
selfie and 3 reference images (skimage's astronaut upscaled to 1024²).

Run: DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python bench/gemini_overhead.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from PIL import Image  # noqa: E402
from skimage import data  # noqa: E402

from avatars.engines.base import ProfileContext, RenderRequest  # noqa: E402
from avatars.engines.gemini.engine import GeminiEngine  # noqa: E402
from tests.fakes.gemini_server import FakeGeminiServer  # noqa: E402

RUNS = 20
TARGET_MS = 150.0


def main() -> int:
    selfie = Image.fromarray(data.astronaut()).convert("RGB").resize((1024, 1024))
    references = [selfie.rotate(angle) for angle in (5, -5, 10)]
    profile = ProfileContext(
        display_name="Eileen",
        backstory=("Flew the shuttle, reads maps, fixes radios. " * 500)[:20_000],
        palette=("#1d3557", "#e63946", "#f1faee"),
        traits="always wears round glasses",
        caption="Ad astra",
    )
    request = RenderRequest(
        source=selfie,
        style_slug="comics",
        style_prompt="A classic comic-book panel of {name}.",
        profile=profile,
        references=references,
        aspect_ratio="1:1",
    )
    with FakeGeminiServer() as server:
        settings.GEMINI_API_KEY = "bench-key"
        settings.GEMINI_BASE_URL = server.url
        settings.GEMINI_TIMEOUT_SECONDS = 30
        engine = GeminiEngine()
        engine.render(request)  # warm-up: client creation, imports
        server.reset()
        totals, overheads = [], []
        for _ in range(RUNS):
            started = time.perf_counter()
            engine.render(request)
            total = (time.perf_counter() - started) * 1000
            totals.append(total)
            overheads.append(total - server.last.handling_ms)
        handling = [r.handling_ms for r in server.requests]
        body_kb = statistics.median(r.body_size for r in server.requests) / 1024
        images = len(server.last.images)

    median = statistics.median(overheads)
    print(f"runs: {RUNS}, images sent: {images}, backstory: {len(profile.backstory)} chars")
    print(f"request body: {body_kb:.0f} KB")
    print(f"total wall time: median {statistics.median(totals):.1f} ms")
    print(f"fake server handling: median {statistics.median(handling):.1f} ms")
    print(
        f"our overhead: median {median:.1f} ms, min {min(overheads):.1f} ms, "
        f"max {max(overheads):.1f} ms (target < {TARGET_MS:.0f} ms)"
    )
    ok = median < TARGET_MS
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
