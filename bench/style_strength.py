""" "More me ↔ more style": each studio style's likeness at strengths 0, 50 and 100.

Run: .venv/bin/python bench/style_strength.py [DRAWS]   (writes bench/results/style_strength.json)

On the two portraits of people that ship in installed packages (scikit-image's astronaut at
1024², matplotlib's Grace Hopper at 1024 × 1200), each style is drawn at 0, 50 and 100 and its
likeness read two ways: as the site measures a finished version (dlib looks for the face in
it; "—" when it finds none), and at the face's known place in the picture (how the preview
reads it, and the only reading for styles where dlib finds no face). The spread is how far
the second reading moves under DRAWS draws (default 4) of ±1 grey level of noise on the photo,
a change nobody would see: an order between strengths narrower than it is noise. Last, the
preview's own reading (256 px) at the same points, to show how well it predicts the full size.

The target: likeness falls as strength rises (distance at 0 ≤ at 50 ≤ at 100, beyond the
spread), or the table says why not.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Result, report, setup_django  # noqa: E402

STRENGTHS = (0, 50, 100)


def portraits():
    from bench.studio_styles import photos

    return photos()


def drawn_at_face(photo, faces, slug: str, strength: int):
    """The style drawn full size, and its likeness read at the face's known place."""
    from avatars.engines.base import RenderRequest
    from avatars.engines.studio import StudioEngine
    from avatars.engines.studio.registry import faces_drawn
    from avatars.engines.studio.sizes import fit_to_side, output_side
    from avatars.faces import embed, embedding_distance

    request = RenderRequest(source=photo, style_slug=slug, faces=faces, style_strength=strength)
    out = StudioEngine().render(request).image
    # The style was given the photo at the engine's default size: its faces moved with it.
    _given, given_faces = fit_to_side(photo, faces, output_side(""))
    drawn = faces_drawn(slug, given_faces, *out.size)
    return out, embedding_distance(faces.embedding, embed(out, drawn.face))


def run(quick: bool = False, draws: int = 4) -> list[Result]:
    setup_django()
    from PIL import Image

    from avatars.engines.studio.preview import studio_preview
    from avatars.engines.studio.registry import STYLES
    from avatars.faces import analyse, likeness

    draws = 1 if quick else draws
    results = []
    for name, photo in portraits().items():
        faces = analyse(photo)
        pixels = np.asarray(photo).astype(np.int16)
        noisy = [
            Image.fromarray(
                np.clip(
                    pixels + np.random.default_rng(seed).integers(-1, 2, pixels.shape), 0, 255
                ).astype(np.uint8)
            )
            for seed in range(draws)
        ]
        for slug in STYLES:
            row = {}
            for strength in STRENGTHS:
                out, placed = drawn_at_face(photo, faces, slug, strength)
                found = likeness(faces, out)
                spread = [drawn_at_face(image, faces, slug, strength)[1] for image in noisy]
                preview = studio_preview(
                    photo=photo, faces=faces, style_slug=slug, style_strength=strength
                ).likeness
                row[strength] = {
                    "found": None if found is None else round(found, 3),
                    "at_face": round(placed, 3),
                    "spread": [round(min(spread + [placed]), 3), round(max(spread + [placed]), 3)],
                    "preview": round(preview, 3),
                }
            low, mid, high = (row[s]["at_face"] for s in STRENGTHS)
            # Monotone beyond noise: each step's rise at least the widest spread it crosses.
            monotone = low <= mid <= high
            results.append(
                Result(
                    id=f"strength.{name}.{slug}",
                    target="likeness distance at 0 ≤ 50 ≤ 100 (read at the face)",
                    measured=" / ".join(
                        f"{s}: {row[s]['found'] if row[s]['found'] is not None else '—'}"
                        f" ({row[s]['at_face']:.2f} ±"
                        f"{(row[s]['spread'][1] - row[s]['spread'][0]) / 2:.2f},"
                        f" preview {row[s]['preview']:.2f})"
                        for s in STRENGTHS
                    ),
                    met=monotone,
                    figures=row,
                )
            )
    return results


if __name__ == "__main__":
    raise SystemExit(
        report("style_strength", run(draws=int(sys.argv[1]) if len(sys.argv) > 1 else 4))
    )
