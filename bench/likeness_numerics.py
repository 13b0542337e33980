"""How much the studio's pictures and likeness move with the CPU's numeric paths (issue #9).

Run: DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python bench/likeness_numerics.py [RUNS]

Part 1 runs the version chain of tests/avatars/services/test_version_chain.py (Comics →
warmer → round glasses → caption, and black and white branched from v2) in a fresh process
under each setting of the switches that choose a CPU code path: numpy's SIMD dispatch
(NPY_DISABLE_CPU_FEATURES), OpenBLAS's kernel (OPENBLAS_CORETYPE), OpenCV's dispatch
(OPENCV_CPU_DISABLE). It prints each version's likeness and a hash of its pixels, so a switch
that changes a picture shows up.
Part 2 measures how far likeness moves under perturbations no user would see: ±1 grey level of
noise on the selfie, and the glasses placed one pixel off. It also re-runs the chain with the
ties of k-means' argsort broken in seeded random orders, which is what differs between CPUs.
Those spreads, and what a lost identity scores, set the margins in
tests/avatars/services/test_version_chain.py.

Measured on an AMD EPYC Milan (AVX2): only numpy's dispatch changes the pictures; with
NPY_DISABLE_CPU_FEATURES=X86_V3 v3 goes 0.613 → 0.634. np.argsort's default sort picks its
implementation by CPU (x86-simd-sort for AVX-512 or AVX2, else introsort) and they order equal
keys differently; with kind="stable" every setting gives byte-identical versions.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHAIN = ("make the lighting warmer", "add round glasses", 'write "Ada" at the bottom')
SWITCHES = {
    "as installed": {},
    "numpy without AVX2/FMA3 (X86_V3)": {"NPY_DISABLE_CPU_FEATURES": "X86_V3"},
    "OpenBLAS Haswell kernels": {"OPENBLAS_CORETYPE": "Haswell"},
    "OpenBLAS SandyBridge kernels": {"OPENBLAS_CORETYPE": "SandyBridge"},
    "OpenBLAS Nehalem kernels": {"OPENBLAS_CORETYPE": "Nehalem"},
    "OpenCV without AVX/AVX2/FMA3": {"OPENCV_CPU_DISABLE": "AVX,AVX2,FMA3,F16C,POPCNT,SSE4_2"},
    "one thread everywhere": {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
}


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()


def selfie():
    """The tests' selfie: the astronaut at 1024², as a quality-90 JPEG, stored as the site does."""
    from PIL import Image
    from skimage import data

    from avatars import images
    from avatars.faces import analyse

    photo = Image.fromarray(data.astronaut()).convert("RGB")
    photo = photo.resize((1024, 1024), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=90)
    normalised = images.normalise_upload(io.BytesIO(buf.getvalue())).image
    source = images.open_stored(images.encode_source(normalised))
    return normalised, source, analyse(normalised)


def render(source, faces, instruction: str = "", base=None):
    from avatars.engines.base import RenderRequest
    from avatars.engines.studio import StudioEngine

    kind = "edit" if instruction else "generate"
    request = RenderRequest(
        source=source,
        style_slug="comics",
        kind=kind,
        instruction=instruction,
        base_image=base,
        faces=faces,
    )
    return StudioEngine().render(request).image


def chain() -> dict:
    """v1..v5 of the test's timeline: likeness and a pixel hash of each."""
    from avatars.faces import likeness

    _normalised, source, faces = selfie()
    versions = [render(source, faces)]
    for instruction in CHAIN:
        versions.append(render(source, faces, instruction, versions[-1]))
    versions.append(render(source, faces, "black and white", versions[1]))
    return {
        "selfie": hashlib.sha256(np.asarray(faces.embedding).tobytes()).hexdigest()[:8],
        "likeness": [round(likeness(faces, v), 4) for v in versions],
        "pixels": [hashlib.sha256(v.tobytes()).hexdigest()[:8] for v in versions],
    }


def part1() -> None:
    print("Part 1: the chain in a fresh process per setting (likeness v1..v5, pixel hashes)")
    for label, env in SWITCHES.items():
        out = subprocess.run(
            [sys.executable, __file__, "--chain"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        figures = " ".join(f"{x:.3f}" for x in r["likeness"])
        print(f"  {label:34} {figures}   selfie {r['selfie']} v1..v5 {' '.join(r['pixels'])}")


@contextlib.contextmanager
def tie_order(seed: int):
    """np.argsort with ties broken in a seeded random order: what another CPU's sort may do.

    The studio's only argsort is k-means' initialisation in studio/common.py."""
    original = np.argsort
    rng = np.random.default_rng(seed)

    def shuffled(a, axis=-1, kind=None, order=None):
        perm = rng.permutation(len(a))
        return perm[original(np.asarray(a)[perm], kind="stable")]

    np.argsort = shuffled
    try:
        yield
    finally:
        np.argsort = original


def forced_distance(faces, image, selfie_image) -> float:
    """Likeness read at the selfie's own face position, for pictures where dlib finds no face."""
    from avatars.faces import _models, _work_copy, embedding_distance

    detector, predictor, recogniser = _models()
    rect = detector(_work_copy(selfie_image)[0], 1)[0]
    work, _scale = _work_copy(image)
    shape = predictor(work, rect)
    embedding = tuple(recogniser.compute_face_descriptor(work, shape))
    return embedding_distance(faces.embedding, embedding)


def summary(values) -> str:
    a = np.asarray(values)
    return f"min {a.min():.3f} max {a.max():.3f} mean {a.mean():.3f} sd {a.std():.3f}"


def part2(runs: int) -> None:
    from matplotlib import cbook
    from PIL import Image

    from avatars.engines.studio.edits import accessories
    from avatars.faces import Face, analyse, likeness

    normalised, source, faces = selfie()

    def timeline(photo, base_box=None):
        v1 = render(photo, faces)
        v2 = render(photo, faces, CHAIN[0], v1)
        v3 = render(photo, faces, CHAIN[1], v2)
        v4 = render(photo, faces, CHAIN[2], v3)
        v5 = render(photo, faces, "black and white", v2)
        versions = (v1, v2, v3, v4, v5)
        found = [analyse(v, with_embedding=False).face for v in versions]
        drift = max(
            max(abs(a - b) for a, b in zip(f.center, found[0].center, strict=True)) for f in found
        )
        grown = max(max(f.width / found[0].width, found[0].width / f.width) for f in found)
        return [likeness(faces, v) for v in versions], (drift, grown), versions

    def report(label, rows, drifts):
        print(f"  {label}:")
        for i in range(5):
            print(f"    v{i + 1} {summary([r[i] for r in rows])}")
        print(f"    v3 - v1 {summary([r[2] - r[0] for r in rows])}")
        print(f"    |v4 - v3| max {max(abs(r[3] - r[2]) for r in rows):.4f}")
        print(
            f"    face centre moved up to {max(d for d, _ in drifts):.1f} px, "
            f"size changed up to ×{max(g for _, g in drifts):.3f}"
        )

    plain, _drift, (v1, v2, v3, _v4, _v5) = timeline(source)
    print(f"\nPart 2: likeness v1..v5 as installed: {' '.join(f'{x:.3f}' for x in plain)}")
    rows, drifts = [], []
    for seed in range(runs):
        with tie_order(seed):
            r, d, _ = timeline(source)
        rows.append(r)
        drifts.append(d)
    report(f"{runs} tie orders in k-means' argsort", rows, drifts)

    rows, drifts = [], []
    pixels = np.asarray(source).astype(np.int16)
    for seed in range(runs):
        noise = np.random.default_rng(seed).integers(-1, 2, pixels.shape)
        r, d, _ = timeline(Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8)))
        rows.append(r)
        drifts.append(d)
    report(f"{runs} draws of ±1 grey level of noise on the selfie", rows, drifts)

    found = analyse(v2, with_embedding=False)
    shifted = []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            moved = tuple(
                Face(f.box, tuple((x + dx, y + dy) for x, y in f.landmarks), f.score)
                for f in found.faces
            )
            rgb = accessories.glasses(np.asarray(v2).copy(), moved, "round")
            shifted.append(likeness(faces, Image.fromarray(rgb)))
    print(f"  round glasses placed up to 1 px off (9 places): v3 {summary(shifted)}")

    with Image.open(cbook.get_sample_data("grace_hopper.jpg")) as im:
        hopper = im.convert("RGB").resize((1024, 1200))
    hopper_comics = render(hopper, analyse(hopper))
    sunglasses = render(source, faces, "add sunglasses", v2)
    print("  lost identities:")
    for label, image in (
        ("Grace Hopper's photo", hopper),
        ("Grace Hopper in Comics", hopper_comics),
        ("v2 with dark sunglasses", sunglasses),
    ):
        value = likeness(faces, image)
        print(f"    {label:34} {'no face' if value is None else f'{value:.3f}'}")
    grey = Image.new("RGB", v1.size, (128, 128, 128))
    inverted = Image.fromarray(255 - np.asarray(v3))
    for label, image in (("flat grey", grey), ("v3 colour-inverted", inverted)):
        value = forced_distance(faces, image, normalised)
        print(f"    {label + ' (read at the selfie face)':34} {value:.3f}")


def main() -> int:
    _setup()
    if "--chain" in sys.argv:
        print(json.dumps(chain()))
        return 0
    part1()
    part2(runs=int(sys.argv[1]) if len(sys.argv) > 1 else 8)
    return 0


if __name__ == "__main__":
    sys.exit(main())
