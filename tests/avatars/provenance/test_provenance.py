"""Content Credentials: signing a version, reading the chain back, and telling why not."""

import io

import numpy as np
import pytest
from PIL import Image

from avatars.provenance import keys
from avatars.provenance.services import Parent, sign
from avatars.provenance.verify import verify

RENDER = {"engine": "studio", "model": "studio", "style": "comics"}


def picture(seed: int, fmt: str = "PNG") -> bytes:
    pixels = (np.random.default_rng(seed).random((256, 256, 3)) * 255).astype("uint8")
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, fmt)
    return buf.getvalue()


def chain_of_three() -> list[bytes]:
    first = sign(picture(1), mime="image/png", title="Comics avatar, version 1", render=RENDER)
    files = [first]
    for n in (2, 3):
        parent = Parent(files[-1], "image/png", f"Comics avatar, version {n - 1}")
        files.append(
            sign(
                picture(n),
                mime="image/png",
                title=f"Comics avatar, version {n}",
                render=RENDER,
                parent=parent,
            )
        )
    return files


def test_a_first_version_is_trusted_and_says_it_was_made_by_a_model():
    result = verify(chain_of_three()[0], mime="image/png")
    assert result.verdict == "trusted" and result.valid
    (link,) = result.chain
    assert link.actions == ["c2pa.created"]
    assert link.render == RENDER
    assert link.generator.startswith("Pix Me!")
    assert link.signer == "Pix Me! content signer"


def test_an_edit_chain_of_three_lists_its_parents_in_order():
    result = verify(chain_of_three()[-1], mime="image/png")
    assert result.verdict == "trusted"
    assert [link.title for link in result.chain] == [
        "Comics avatar, version 3",
        "Comics avatar, version 2",
        "Comics avatar, version 1",
    ]
    assert [link.actions for link in result.chain] == [
        ["c2pa.opened", "c2pa.edited"],
        ["c2pa.opened", "c2pa.edited"],
        ["c2pa.created"],
    ]


@pytest.mark.parametrize("fmt,mime", [("WEBP", "image/webp"), ("JPEG", "image/jpeg")])
def test_webp_and_jpeg_are_signed_too(fmt, mime):
    signed = sign(picture(4, fmt), mime=mime, title="t", render=RENDER)
    assert verify(signed, mime=mime).verdict == "trusted"


def test_a_flipped_byte_is_altered():
    signed = bytearray(chain_of_three()[0])
    # A byte of the picture's compressed data (an IDAT chunk), not of the manifest.
    at = signed.index(b"IDAT") + 200
    signed[at] ^= 0xFF
    result = verify(bytes(signed), mime="image/png")
    assert result.verdict == "altered" and not result.valid
    assert result.problems


def test_a_pillow_resave_has_no_manifest():
    signed = chain_of_three()[0]
    buf = io.BytesIO()
    Image.open(io.BytesIO(signed)).save(buf, "PNG")
    result = verify(buf.getvalue(), mime="image/png")
    assert result.verdict == "none"
    assert "no Content Credentials" in result.words


def test_a_foreign_signer_is_untrusted(tmp_path, settings):
    keys.local_material_create(tmp_path / "theirs")
    settings.PIXME_C2PA_CHAIN = str(tmp_path / "theirs" / "chain.pem")
    settings.PIXME_C2PA_KEY = str(tmp_path / "theirs" / "signer.key")
    keys.caches_clear()
    try:
        foreign = sign(picture(5), mime="image/png", title="theirs", render=RENDER)
    finally:
        settings.PIXME_C2PA_CHAIN = settings.PIXME_C2PA_KEY = ""
        keys.caches_clear()
    result = verify(foreign, mime="image/png")
    assert result.verdict == "untrusted" and not result.valid
    assert "don't know or trust" in result.words


def test_the_local_keys_are_made_once_and_kept(settings):
    material = keys.signing_material()
    assert material.local
    keys.caches_clear()
    assert keys.signing_material() == material
