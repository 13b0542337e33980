"""Skin tone, light to dark: do the studio's styles keep a face's skin its own tone?

Run: .venv/bin/python bench/skin_tones.py   (writes bench/results/skin_tones.json)

No set of portraits spanning light to dark skin ships in an installed package here: the
photos of people that do are scikit-image's astronaut and matplotlib's Grace Hopper, both
light-skinned. So the range is built from them: their skin (the studio's own soft skin mask,
seeded from the face, inside the person mask) is moved in CIELAB to seven target tones along
the line real skin lies on, from ITA 60° (very light) to −65° (very dark): lightness scaled,
so shading keeps its depth, and a*, b* shifted. Each style that keeps natural colour is drawn
from each toned photo at strengths 0, 50 and 100, and the skin of the version (the cheeks and
lower forehead: avatars.skin) is compared with the photo's: ΔE00 against the tolerance.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Result, report, setup_django  # noqa: E402

# (name, L*, a*, b*) of the skin's median after the shift; ITA° in the name's comment.
TONES = (
    ("very light", 74.0, 8.0, 14.0),  # ITA 60
    ("light", 67.0, 10.0, 16.0),  # 47
    ("intermediate", 61.0, 12.0, 18.0),  # 31
    ("tan", 55.0, 13.0, 19.0),  # 15
    ("brown", 45.0, 14.0, 18.0),  # −16
    ("dark", 35.0, 12.0, 14.0),  # −47
    ("very dark", 28.0, 10.0, 10.0),  # −66
)
STRENGTHS = (0, 50, 100)


def skin_weight(rgb: np.ndarray, faces) -> np.ndarray:
    """How much each pixel is skin (0-1): its chroma (Cr, Cb) near the cheeks' own, with a
    wider reach than the studio's skin mask (old skin's blotches and wrinkles count too),
    feathered, and only on the person."""
    from PIL import Image

    from avatars import person as people
    from avatars import skin

    points = skin.mesh_points(rgb, faces.face)
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    cheeks = ycc[skin.region(rgb.shape[:2], points)]
    cr, cb = np.median(cheeks[:, 1]), np.median(cheeks[:, 2])
    weight = np.clip(2.0 - cv2.magnitude(ycc[..., 1] - cr, ycc[..., 2] - cb) / 12, 0, 1)
    k = max(3, round(max(rgb.shape[:2]) / 150)) | 1
    weight = cv2.GaussianBlur(weight, (k, k), 0)
    return weight * people.alpha(Image.fromarray(rgb))


def toned(photo, faces, target: tuple[float, float, float], rounds: int = 3):
    """``photo`` with its skin moved so the face's skin median lands on ``target`` (L*a*b*):
    lightness scaled, a* and b* shifted, a few rounds so the median settles on it."""
    from PIL import Image

    from avatars import skin

    rgb = np.asarray(photo.convert("RGB"))
    weight = skin_weight(rgb, faces)[..., None]
    points = skin.mesh_points(rgb, faces.face)
    for _ in range(rounds):
        now = skin.skin_tone(Image.fromarray(rgb), points)
        lab = cv2.cvtColor(rgb.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)
        scaled = lab.copy()
        scaled[..., 0] *= target[0] / now.lightness
        scaled[..., 1] += target[1] - now.a
        scaled[..., 2] += target[2] - now.b
        lab = lab * (1 - weight) + scaled * weight
        out = np.clip(cv2.cvtColor(lab.astype(np.float32), cv2.COLOR_Lab2RGB), 0, 1)
        rgb = np.round(out * 255).astype(np.uint8)
    return Image.fromarray(rgb)


def portraits() -> dict:
    from bench.studio_styles import photos

    return photos()


def run(quick: bool = False) -> list[Result]:
    setup_django()
    from avatars import skin
    from avatars.engines.base import RenderRequest
    from avatars.engines.studio import StudioEngine
    from avatars.engines.studio.registry import NATURAL_COLOUR, faces_drawn
    from avatars.engines.studio.sizes import fit_to_side, output_side
    from avatars.faces import analyse

    styles = [slug for slug, natural in NATURAL_COLOUR.items() if natural]
    tones = TONES[::3] if quick else TONES
    results = []
    for name, photo in portraits().items():
        faces = analyse(photo, with_embedding=False)
        for tone, *target in tones:
            image = toned(photo, faces, tuple(target))
            points = skin.mesh_points(image, faces.face)
            measured = skin.skin_tone(image, points)
            for slug in styles:
                row = {}
                for strength in STRENGTHS:
                    request = RenderRequest(
                        source=image, style_slug=slug, faces=faces, style_strength=strength
                    )
                    out = StudioEngine().render(request).image
                    given = fit_to_side(image, faces, output_side(""))[1]
                    drawn = faces_drawn(slug, given, *out.size)
                    check = skin.skin_compare(
                        photo=image,
                        photo_face=faces.face,
                        version=out,
                        version_face=drawn.face,
                        style_slug=slug,
                        photo_points=points,
                        # The studio draws in place: the photo's mesh, as the face moved.
                        version_points=skin.similar_points(
                            points * (given.width / image.width), given.face, drawn.face
                        ),
                    )
                    row[strength] = {**check.to_dict(), "ita": round(check.version.ita, 1)}
                worst = max(r["delta"] for r in row.values())
                results.append(
                    Result(
                        id=f"skin.{name}.{tone.replace(' ', '-')}.{slug}",
                        target=f"ΔE00 ≤ {skin.TOLERANCE} at strengths 0, 50, 100",
                        measured=f"photo ITA {measured.ita:.0f}°; "
                        + ", ".join(
                            f"{s}: ΔE {r['delta']:.1f} {'/'.join(r['direction']) or '-'}"
                            for s, r in row.items()
                        ),
                        met=worst <= skin.TOLERANCE,
                        figures={"photo_ita": round(measured.ita, 1), **row},
                    )
                )
    return results


if __name__ == "__main__":
    raise SystemExit(report("skin_tones", run(quick="--quick" in sys.argv)))
