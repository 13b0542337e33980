"""The kept person mask is the same whichever code path LiteRT's XNNPACK kernels take.

XNNPACK picks its kernels for the CPU it finds (AVX-512 here, AVX2 with FMA on a Haswell,
SSE on older machines), and sums in a different order on each: the model's raw answers
differ in the fifth decimal place. :mod:`avatars.person` cuts them at one half at once, so
the grid it keeps (and everything drawn from it) should not differ. QEMU's user-mode
emulator stands in for the other CPUs: it runs the same Python and the same wheels while
reporting a Haswell's or a Nehalem's features, so XNNPACK really takes those paths (the test
checks that the raw answers did change, or it would prove nothing).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.avatars.engines import mask_quality as mq
from tests.liveserver import ROOT

QEMU = shutil.which("qemu-x86_64")

SCRIPT = """
import sys
import numpy as np
from PIL import Image
from avatars import person, litert

# The model's raw answers, as person.find gets them: recorded on their way, not run again
# (each run takes seconds under emulation).
model = litert.model(person.MODEL)
raws, run = [], model.run
def recording(x):
    out = run(x)
    raws.append(out[0][..., 0].copy())
    return out
model.run = recording

pictures = np.load(sys.argv[1])
grids = [person.find(Image.fromarray(rgb)).grid for rgb in pictures]
assert len(raws) == len(grids)
np.savez(sys.argv[2], grids=np.stack(grids), raws=np.stack(raws))
"""


def _run(prefix: list[str], pictures: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*prefix, sys.executable, "-c", SCRIPT, str(pictures), str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.skipif(QEMU is None, reason="qemu-x86_64 (Debian's qemu-user) is not installed")
def test_the_kept_grid_is_the_same_on_three_cpus(tmp_path):
    pictures = tmp_path / "pictures.npy"
    np.save(pictures, np.stack([p.rgb[:512, :512] for p in mq.portraits()[:3]]))
    runs = {
        "native": _run([], pictures, tmp_path / "native.npz"),
        # Two at once: one per core; each takes a minute or two under emulation.
        "haswell": _run([QEMU, "-cpu", "Haswell"], pictures, tmp_path / "haswell.npz"),
        "nehalem": _run([QEMU, "-cpu", "Nehalem"], pictures, tmp_path / "nehalem.npz"),
    }
    for name, proc in runs.items():
        _out, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, f"{name}: {err[-2000:]}"
    native = np.load(tmp_path / "native.npz")
    for name in ("haswell", "nehalem"):
        other = np.load(tmp_path / f"{name}.npz")
        assert not np.array_equal(other["raws"], native["raws"]), (
            f"{name}: the raw answers are identical, so XNNPACK did not take another path"
        )
        assert np.abs(other["raws"] - native["raws"]).max() < 1e-4
        assert np.array_equal(other["grids"], native["grids"]), f"{name}: the kept grid changed"
