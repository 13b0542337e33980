"""The studio draws the same bytes whichever SIMD code path numpy picks for the CPU.

numpy chooses its sort and math kernels at run time (AVX-512, AVX2, baseline), and the
Comics chain once differed between an AVX2 and an AVX-512 machine because an unstable sort
ordered equal lightness values differently (issue #9). Switching numpy's AVX2-and-up paths
off in a second process stands in for another CPU of this kind: the files must not change.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.liveserver import DATABASE, ROOT, migrated_database


def _render(tmp_path: Path, selfie: Path, style: str, disable: str) -> str:
    out = tmp_path / f"{style}-{disable or 'native'}.png"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pixme.settings",
        "PIXME_VAR_DIR": str(tmp_path / "var"),
        "NPY_DISABLE_CPU_FEATURES": disable,
    }
    database = tmp_path / "var" / DATABASE
    if not database.exists():  # migrated once per process: a copy (tests/liveserver.py)
        database.parent.mkdir(exist_ok=True)
        shutil.copyfile(migrated_database(), database)
    args = [sys.executable, "manage.py", "pixme_render", str(selfie), "--style", style]
    args += ["--edit", "add round glasses", "-o", str(out)]
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    # The pixels, not the file: pixme_render signs what it writes, and each manifest has its
    # own id and time.
    with Image.open(out) as drawn:
        return hashlib.sha256(drawn.mode.encode() + drawn.tobytes()).hexdigest()


@pytest.mark.slow
def test_comics_and_anime_with_glasses_are_byte_identical_on_two_code_paths(tmp_path, face_photo):
    features = np._core._multiarray_umath.__cpu_features__
    if not features.get("AVX2"):
        pytest.skip("this CPU has no AVX2 path to switch off")
    selfie = tmp_path / "selfie.jpg"
    face_photo.save(selfie, quality=90)
    for style in ("comics", "anime"):  # both draw with k-means colours
        assert _render(tmp_path, selfie, style, "") == _render(tmp_path, selfie, style, "X86_V3")
