"""Several identity photos against one selfie: which way of summing up likeness ranks takes best?

Run: .venv/bin/python bench/identity_ranking.py [TRIALS]
(writes bench/results/identity_ranking.json)

A held-out evaluation of our own, since no set of several photos of one person ships in an
installed package. For each of the two people whose portraits do (scikit-image's astronaut,
matplotlib's Grace Hopper), fifteen photos of that person are made from the one: tighter and
wider crops, dimmer, brighter, warmer and cooler light, light from one side, a tilted head,
the mirror image, the photo turned a little in depth, softened and recompressed, taken
small, with sunglasses, with a hat (the studio's own edits). Each trial draws five
of them as the identity photos and a sixth, never one of the five, as the photo the takes
are drawn from: the takes are that photo with the face blended towards the other person's
by 0, 15, 30, 45 and 60 % (so their true order is known), all drawn in the trial's studio
style at the trial's strength, each as a take of its own (the differences a real set of
takes has: framing, colours, screens).
The takes are ranked by five summaries — the photo they were drawn from (what the site
measures against today), one selfie (the first of the five), the nearest of the five, the
mean of the five distances, the distance to the mean of the five embeddings, the mean of
the distances to the five and to the photo the takes were drawn from —
and each ranking is scored against the true order: Kendall's tau (1: the true order), and
how often the untouched take is ranked first; and, trial by trial, how much better or worse
than one selfie each summary did (the mean paired difference in tau, with its standard error).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Result, report, setup_django  # noqa: E402

BLENDS = (0.0, 0.15, 0.3, 0.45, 0.6)
IDENTITY_PHOTOS = 5
METHODS = ("source", "selfie", "nearest", "mean", "centroid", "source+mean")


def _turned(rgb: np.ndarray, degrees: float) -> np.ndarray:
    """The photo as if turned ``degrees`` about its vertical axis (a print held at an angle)."""
    h, w = rgb.shape[:2]
    f = 2.5 * w
    k = np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1]])
    t = np.radians(degrees)
    r = np.array([[np.cos(t), 0, np.sin(t)], [0, 1, 0], [-np.sin(t), 0, np.cos(t)]])
    return cv2.warpPerspective(rgb, k @ r @ np.linalg.inv(k), (w, h), borderMode=cv2.BORDER_REFLECT)


def variants(photo, faces) -> dict:
    """Fifteen photos of one person made from one (see the module's docstring)."""
    from PIL import Image

    from avatars.engines.base import RenderRequest
    from avatars.engines.studio import StudioEngine

    face = faces.face

    rgb = np.asarray(photo.convert("RGB"))
    h, w = rgb.shape[:2]
    left, top, right, bottom = face.box
    cx, cy, side = (left + right) / 2, (top + bottom) / 2, (right - left) * 2.2
    box = [round(cx - side / 2), round(cy - side / 2), round(cx + side / 2), round(cy + side / 2)]
    tight = rgb[max(0, box[1]) : box[3], max(0, box[0]) : box[2]]
    wide = cv2.copyMakeBorder(rgb, h // 4, h // 4, w // 4, w // 4, cv2.BORDER_REFLECT)
    f32 = rgb.astype(np.float32)

    def light(gain, tint=(1.0, 1.0, 1.0)):
        return np.clip(f32 * gain * np.array(tint, np.float32), 0, 255).astype(np.uint8)

    rotation = cv2.getRotationMatrix2D((cx, cy), 10, 1.0)
    small = cv2.resize(rgb, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    _ok, jpeg = cv2.imencode(
        ".jpg", cv2.GaussianBlur(rgb, (0, 0), 2.0), [cv2.IMWRITE_JPEG_QUALITY, 30]
    )
    made = {
        "plain": rgb,
        "tight": tight,
        "wide": wide,
        "dim": light(0.55),
        "bright": light(1.35),
        "warm": light(1.0, (1.1, 1.0, 0.82)),
        "cool": light(1.0, (0.88, 1.0, 1.15)),
        "tilted": cv2.warpAffine(rgb, rotation, (w, h), borderMode=cv2.BORDER_REFLECT),
        "mirrored": rgb[:, ::-1],
        "turned": _turned(rgb, 14),
        "soft": cv2.imdecode(jpeg, cv2.IMREAD_UNCHANGED),
        "small": cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC),
        "side-lit": np.clip(f32 * np.linspace(1.2, 0.35, w, dtype=np.float32)[None, :, None],
                            0, 255).astype(np.uint8),
    }  # fmt: skip
    for label, instruction in (("sunglasses", "add sunglasses"), ("hat", "add a top hat")):
        request = RenderRequest(
            source=photo,
            style_slug="comics",
            kind="edit",
            instruction=instruction,
            base_image=photo,
            faces=faces,
            base_faces=faces,
        )
        made[label] = np.asarray(StudioEngine().render(request).image)
    return {name: Image.fromarray(np.ascontiguousarray(image)) for name, image in made.items()}


def blended(photo, face, other, other_face, amount: float):
    """``photo`` with its face blended ``amount`` of the way to ``other``'s (aligned by the
    five landmarks, its colour matched, inside a soft oval)."""
    from PIL import Image

    from avatars.engines.studio.masks import face_mask
    from avatars.faces import FaceAnalysis

    rgb = np.asarray(photo.convert("RGB")).astype(np.float32)
    if not amount:
        return photo
    matrix, _ = cv2.estimateAffinePartial2D(
        np.asarray(other_face.landmarks, np.float32), np.asarray(face.landmarks, np.float32)
    )
    h, w = rgb.shape[:2]
    moved = cv2.warpAffine(
        np.asarray(other.convert("RGB")), matrix, (w, h), borderMode=cv2.BORDER_REFLECT
    ).astype(np.float32)
    mask = face_mask((h, w), FaceAnalysis(w, h, (face,)), grow=1.0)[..., None]
    inside = mask[..., 0] > 0.5
    moved += rgb[inside].mean(0) - moved[inside].mean(0)  # the same skin, another face
    out = rgb * (1 - amount * mask) + moved * (amount * mask)
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def kendall(scores: list[float]) -> float:
    """Kendall's tau between ``scores`` (distances) and their true order (index order)."""
    n, agree = len(scores), 0
    for i in range(n):
        for j in range(i + 1, n):
            agree += 1 if scores[i] < scores[j] else -1 if scores[i] > scores[j] else 0
    return agree / (n * (n - 1) / 2)


def run(quick: bool = False, trials: int = 40) -> list[Result]:
    setup_django()
    from PIL import Image

    from avatars import identity
    from avatars.engines.studio.common import StyleContext
    from avatars.engines.studio.registry import STYLES, faces_drawn
    from avatars.faces import analyse, embed, embedding_distance
    from bench.studio_styles import photos

    trials = 4 if quick else trials
    people = {}
    for name, photo in photos().items():
        photo = photo.resize((photo.width // 2, photo.height // 2), Image.Resampling.LANCZOS)
        people[name] = (photo, analyse(photo))
    tau = {m: [] for m in METHODS}
    first = {m: [] for m in METHODS}
    for name, (photo, faces) in people.items():
        other, other_faces = next(v for k, v in people.items() if k != name)
        made = {}
        for label, image in variants(photo, faces).items():
            found = analyse(image)
            if found.embedding is not None:
                made[label] = (image, found)
        labels = sorted(made)
        rng = np.random.default_rng(27)
        for _trial in range(trials):
            drawn = rng.permutation(len(labels))
            chosen = [labels[i] for i in drawn[:IDENTITY_PHOTOS]]
            held_out = labels[drawn[IDENTITY_PHOTOS]]
            source, source_faces = made[held_out]
            style = list(STYLES)[int(rng.integers(len(STYLES)))]
            strength = int(rng.integers(0, 101))
            takes = []
            for amount in BLENDS:
                take = blended(source, source_faces.face, other, other_faces.face, amount)
                ctx = StyleContext(
                    faces=source_faces, strength=strength, variant=int(rng.integers(0, 4))
                )
                out = STYLES[style][1](take, ctx)
                at = faces_drawn(style, source_faces, *out.size).face
                takes.append(embed(out, at))
            embeddings = [made[label][1].embedding for label in chosen]
            scores = {
                "source": [embedding_distance(source_faces.embedding, t) for t in takes],
                "selfie": [embedding_distance(embeddings[0], t) for t in takes],
                **{
                    how: [identity.likeness_to_photos(embeddings, t).value(how) for t in takes]
                    for how in identity.RANKINGS
                },
                "source+mean": [
                    identity.likeness_to_photos([source_faces.embedding, *embeddings], t).mean
                    for t in takes
                ],
            }
            for method, values in scores.items():
                tau[method].append(kendall(values))
                first[method].append(int(np.argmin(values)) == 0)
    results = []
    best = max(METHODS, key=lambda m: statistics.mean(tau[m]))
    for method in METHODS:
        mean_tau = statistics.mean(tau[method])
        paired = [a - b for a, b in zip(tau[method], tau["selfie"], strict=True)]
        gain = statistics.mean(paired)
        error = statistics.stdev(paired) / len(paired) ** 0.5 if any(paired) else 0.0
        results.append(
            Result(
                id=f"identity.ranking.{method}",
                target="ranks takes of known fidelity in their true order (Kendall tau)",
                measured=(
                    f"tau {mean_tau:.3f} ± {statistics.stdev(tau[method]):.3f}, untouched take "
                    f"first in {100 * statistics.mean(first[method]):.0f}%; against one selfie "
                    f"{gain:+.3f} ± {error:.3f} (N={len(tau[method])} trials)"
                ),
                met=method == best,
                figures={
                    "tau_mean": round(mean_tau, 4),
                    "tau_sd": round(statistics.stdev(tau[method]), 4),
                    "first_share": round(statistics.mean(first[method]), 4),
                    "gain_over_selfie": round(gain, 4),
                    "gain_standard_error": round(error, 4),
                    "trials": len(tau[method]),
                },
            )
        )
    return results


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    report("identity_ranking", run(trials=count))
