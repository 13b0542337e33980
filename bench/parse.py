"""Parsing user text: the studio's instruction parser and the blocklist, linear in the length.

Run: .venv/bin/python bench/parse.py [--quick]

The site refuses an instruction over 500 characters before anything reads it
(``avatars.services.limits``); this measures what the parser itself does with more, so a
super-linear step can't hide under the cap. For each family of inputs — ordinary words and the
shapes that were quadratic before (a long run of spaces, "from" or "replace" with nothing after
them, one accessory said many times, a chain of "behind"s, quotes) — it parses 1,000, 2,000,
4,000 and 8,000 characters, takes the least CPU time of N runs (the least is the work; the
rest is the machine), and reports the time per character. Then the blocklist: 1,000 terms of
random words matched against a 760-character text (an instruction, a title, a display name
and a caption at their caps), words and a run of spaces.

Targets: for every family, 8,000 characters cost at most 12× what 1,000 do (linear is 8×,
quadratic 64×); the worst family at the 500-character cap parses in ≤ 5 ms; the blocklist
check at the caps ≤ 5 ms. N = 7 (3 with ``--quick``); one core.
"""

from __future__ import annotations

import contextlib
import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Result, report, setup_django  # noqa: E402

SIZES = (1000, 2000, 4000, 8000)
CAP = 500
MAX_RATIO = 12.0
CAP_TARGET_MS = 5.0
BLOCKLIST_TARGET_MS = 5.0
N, QUICK_N = 7, 3


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _run_of(gap: str):
    """An edit, a long run of ``gap``, and another word: the run is what a pattern rescans."""
    return lambda size: "add glasses" + _repeat(gap, size - 13) + "ok"


FAMILIES = {
    "words": lambda size: _repeat("add round glasses and a red cap, then make it warmer ", size),
    "run of spaces": _run_of(" "),
    "run of tabs and spaces": _run_of(" \t"),
    "from without to": lambda size: _repeat("from ", size),
    "replace without with": lambda size: _repeat("replace the ", size),
    "one accessory again": lambda size: _repeat("glasses ", size),
    "behind chain": lambda size: _repeat("behind ", size),
    "background words": lambda size: _repeat("sunset background ", size),
    "quotes": lambda size: _repeat("'a \"b ", size),
    "caption words": lambda size: "write " + _repeat("at the top ", size - 6),
    "commas": lambda size: _repeat("add a hat, ", size),
}


def least_cpu_s(fn, text: str, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        fn(text)
        best = min(best, time.process_time() - started)
    return best


def parse_quietly(text: str) -> None:
    from avatars.engines.studio.edits.parser import ParseError, parse

    with contextlib.suppress(ParseError):
        parse(text)


def measure_parser(runs: int) -> dict[str, dict[int, float]]:
    parse_quietly("warm up the patterns")
    return {
        name: {size: least_cpu_s(parse_quietly, make(size), runs) for size in SIZES}
        for name, make in FAMILIES.items()
    }


def measure_blocklist(runs: int) -> dict[str, float]:
    """The blocklist's pattern (``blocked_terms_compile``, as the site builds it from the
    moderators' terms) for 1,000 random terms."""
    from avatars.moderation.flags import blocked_terms_compile

    rng = random.Random(0)

    def word() -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9)))

    terms = [" ".join(word() for _ in range(rng.randint(1, 3))) for _ in range(1000)]
    pattern = blocked_terms_compile(terms=terms)
    size = 500 + 120 + 80 + 60
    texts = {
        "words": _repeat(" ".join(word() for _ in range(200)) + " ", size),
        "spaces": " " * size,
    }
    return {
        name: least_cpu_s(lambda t: list(pattern.finditer(t)), text, runs)
        for name, text in texts.items()
    }


def run(quick: bool = False) -> list[Result]:
    setup_django()
    runs = QUICK_N if quick else N
    parser = measure_parser(runs)
    results = []
    ratios = {name: times[SIZES[-1]] / max(times[SIZES[0]], 1e-6) for name, times in parser.items()}
    worst = max(ratios, key=ratios.get)
    per_char = {
        name: {size: round(times[size] / size * 1e6, 2) for size in SIZES}
        for name, times in parser.items()
    }
    results.append(
        Result(
            id="parse.instruction.linear",
            target=f"8,000 characters ≤ {MAX_RATIO:g}× the CPU of 1,000, every family",
            measured=f"worst {ratios[worst]:.1f}× ({worst}); "
            + ", ".join(f"{name} {ratio:.1f}×" for name, ratio in ratios.items()),
            met=all(ratio <= MAX_RATIO for ratio in ratios.values()),
            figures={
                "ratio_8k_over_1k": {k: round(v, 2) for k, v in ratios.items()},
                "us_per_char": per_char,
                "runs": runs,
            },
        )
    )
    at_cap = {
        name: least_cpu_s(parse_quietly, make(CAP), runs) * 1000 for name, make in FAMILIES.items()
    }
    slowest = max(at_cap, key=at_cap.get)
    results.append(
        Result(
            id="parse.instruction.at_cap_ms",
            target=f"≤ {CAP_TARGET_MS:g} ms for {CAP} characters, worst family, one core",
            measured=f"worst {at_cap[slowest]:.2f} ms ({slowest})",
            met=at_cap[slowest] <= CAP_TARGET_MS,
            figures={"ms": {k: round(v, 3) for k, v in at_cap.items()}, "runs": runs},
        )
    )
    blocklist = {k: v * 1000 for k, v in measure_blocklist(runs).items()}
    results.append(
        Result(
            id="parse.blocklist.at_caps_ms",
            target=f"≤ {BLOCKLIST_TARGET_MS:g} ms: 1,000 terms over 760 characters, one core",
            measured=", ".join(f"{k} {v:.2f} ms" for k, v in blocklist.items()),
            met=max(blocklist.values()) <= BLOCKLIST_TARGET_MS,
            figures={"ms": {k: round(v, 3) for k, v in blocklist.items()}, "runs": runs},
        )
    )
    return results


if __name__ == "__main__":
    sys.exit(report("parse", run(quick="--quick" in sys.argv)))
