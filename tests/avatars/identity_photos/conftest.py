"""Identity photos made from the packaged portraits."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.conftest import encode, upload


def photo_file(image: Image.Image, name: str = "me.jpg", **params):
    return upload(encode(image, "JPEG", quality=92, **params), name=name)


@pytest.fixture(scope="session")
def front_jpeg(astronaut_512) -> bytes:
    return encode(astronaut_512, "JPEG", quality=92)


@pytest.fixture(scope="session")
def no_face_jpeg() -> bytes:
    return encode(Image.linear_gradient("L").convert("RGB").resize((400, 400)), "JPEG")
