"""Shared fixtures: real face photos that ship inside installed packages."""

from __future__ import annotations

import pytest
from PIL import Image
from skimage import data


@pytest.fixture(scope="session")
def astronaut_512() -> Image.Image:
    """Eileen Collins' portrait (public domain), 512×512, shipped with scikit-image."""
    return Image.fromarray(data.astronaut()).convert("RGB")


@pytest.fixture(scope="session")
def face_photo(astronaut_512) -> Image.Image:
    """A 1024×1024 real face photo (fresh copy each use is the caller's job: don't mutate)."""
    return astronaut_512.resize((1024, 1024), Image.Resampling.LANCZOS)


@pytest.fixture(scope="session")
def face_analysis(face_photo):
    from avatars.faces import analyse

    return analyse(face_photo)
