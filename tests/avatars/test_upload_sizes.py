"""Large uploads are shrunk before anything else is done to them: the result is still right.

normalise_upload converts and resizes a large upload a strip of rows at a time and turns it
upright last, so that no second full-size copy exists. These check that every kind of image
still comes out as it would from converting, turning and resizing the whole picture.
"""

import io

import cv2
import numpy as np
import pytest
from PIL import ExifTags, Image

from avatars import images
from tests.conftest import encode

SIDE = 256  # stored size for these tests: small photos then take the strip path too


@pytest.fixture(autouse=True)
def small_stored_side(settings):
    settings.PIXME_STORED_MAX_SIDE = SIDE


def normalise(data: bytes) -> Image.Image:
    return images.normalise_upload(io.BytesIO(data)).image


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


def test_it_matches_converting_and_resizing_the_whole_picture(face_photo):
    # Alpha varying everywhere, over more than one strip of rows.
    rgba = face_photo.resize((900, 700)).convert("RGBA")
    alpha = np.random.default_rng(1).integers(0, 256, (700, 900), dtype=np.uint8)
    rgba.putalpha(Image.fromarray(alpha))
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    expected = Image.alpha_composite(white, rgba).convert("RGB")
    expected = expected.resize((SIDE, 199), Image.Resampling.LANCZOS)
    out = normalise(encode(rgba, "PNG"))
    assert out.size == (SIDE, 199)
    assert np.array_equal(pixels(out), pixels(expected))


def test_a_sideways_photo_is_turned_upright_after_shrinking(face_photo):
    # Stored 1200×800 with "rotate 90° clockwise to display": shown 800×1200.
    stored = face_photo.resize((1200, 800))
    stored.paste((255, 0, 0), (0, 0, 200, 200))  # red in the stored top-left corner…
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    out = normalise(encode(stored, "JPEG", exif=exif, quality=95))
    assert out.size == (171, SIDE)
    r, g, b = out.getpixel((out.width - 10, 10))  # …shows in the top-right corner
    assert r > 200 and g < 60 and b < 60
    assert not out.getexif()


def test_a_16_bit_grey_png_keeps_its_tones():
    ramp = np.tile(np.linspace(0, 65535, 1000), (600, 1)).astype(np.uint16)
    source = Image.fromarray(ramp)
    assert source.mode == "I;16"
    out = normalise(encode(source, "PNG"))
    assert out.mode == "RGB" and out.size == (SIDE, 154)
    row = pixels(out)[77]
    assert row[3][0] < 8 and row[-4][0] > 247  # black to white, not clipped to white
    assert abs(int(row[SIDE // 2][0]) - 128) <= 3
    assert (row[:, 0] == row[:, 1]).all() and (row[:, 1] == row[:, 2]).all()


def test_a_16_bit_colour_png_with_transparency_is_flattened_on_white():
    # Pillow writes no 16-bit colour PNG: OpenCV does (BGRA order).
    bgra = np.zeros((600, 900, 4), np.uint16)
    bgra[:, :, 2] = 65535  # red…
    bgra[:, 450:, 3] = 65535  # …opaque on the right half, clear on the left
    ok, png = cv2.imencode(".png", bgra)
    assert ok and Image.open(io.BytesIO(png.tobytes())).mode == "RGBA"
    out = normalise(png.tobytes())
    assert out.size == (SIDE, 171)
    assert out.getpixel((20, 80)) == (255, 255, 255)
    assert out.getpixel((SIDE - 20, 80)) == (255, 0, 0)


def test_a_palette_png_with_transparency_is_flattened_on_white_and_upright():
    palette = Image.new("P", (900, 600), 1)
    palette.putpalette([0, 0, 0, 0, 0, 255] + [0, 0, 0] * 254)
    palette.paste(0, (0, 0, 450, 600))  # index 0, clear: the left half
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # the left half shows at the top
    data = encode(palette, "PNG", transparency=0, exif=exif)
    out = normalise(data)
    assert out.size == (171, SIDE)
    assert out.getpixel((80, 20)) == (255, 255, 255)
    assert out.getpixel((80, SIDE - 20)) == (0, 0, 255)


def test_a_small_photo_is_copied_without_its_metadata(face_photo):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Orientation] = 3
    source = face_photo.resize((200, 150))
    out = normalise(encode(source, "JPEG", exif=exif, quality=95))
    assert out.size == (200, 150)
    assert out.info == {} and not out.getexif()
    # Upside down in the file, upright in the copy.
    turned = source.transpose(Image.Transpose.ROTATE_180)
    assert np.abs(pixels(out) - pixels(turned)).mean() < 4


# --- WebP: decoded by libwebp already shrunk (its animation decoder, Pillow's only way in,
# holds two full-size canvases) --------------------------------------------------------------


def whole_then_resized(data: bytes, size: tuple[int, int]) -> Image.Image:
    """What Pillow makes of the whole picture: decoded at full size, flattened, resized."""
    with Image.open(io.BytesIO(data)) as im:
        rgba = im.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat = Image.alpha_composite(white, rgba).convert("RGB")
    return flat.resize(size, Image.Resampling.LANCZOS)


@pytest.mark.parametrize("params", [{"quality": 90}, {"lossless": True}], ids=["lossy", "lossless"])
def test_a_large_webp_is_decoded_at_the_stored_size(face_photo, params):
    data = encode(face_photo.resize((900, 700)), "WEBP", **params)
    decoded, image_format = images.checked_open(io.BytesIO(data))
    assert image_format == "WEBP"
    assert decoded.size == (SIDE, 199), "never decoded at 900×700"
    out = normalise(data)
    assert out.size == (SIDE, 199) and out.mode == "RGB"
    # libwebp shrinks by averaging the pixels each output pixel covers; Lanczos is a little
    # sharper: the two agree to a level or two of 255.
    difference = np.abs(pixels(out) - pixels(whole_then_resized(data, (SIDE, 199))))
    assert difference.mean() < 2.5, difference.mean()


def test_a_webp_with_transparency_and_a_turn_comes_out_flat_and_upright(face_photo):
    rgba = face_photo.resize((900, 600)).convert("RGBA")
    rgba.paste((255, 0, 0, 255), (0, 0, 200, 200))  # red in the stored top-left corner…
    clear = Image.new("L", (900, 600), 255)
    clear.paste(0, (0, 400, 900, 600))  # …and the stored bottom strip clear
    rgba.putalpha(clear)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to display
    out = normalise(encode(rgba, "WEBP", quality=95, exif=exif))
    assert out.size == (171, SIDE)
    r, g, b = out.getpixel((out.width - 10, 10))  # the red shows top right…
    assert r > 200 and g < 60 and b < 60
    assert out.getpixel((10, SIDE // 2)) == (255, 255, 255)  # …the clear strip, on the left
    assert not out.getexif() and out.info == {}


def test_an_animated_webp_gives_its_first_frame(face_photo):
    first = face_photo.resize((600, 400))
    second = Image.new("RGB", (600, 400), (0, 0, 255))
    data = encode(first, "WEBP", save_all=True, append_images=[second], duration=100)
    out = normalise(data)
    assert out.size == (SIDE, 171)
    difference = np.abs(pixels(out) - pixels(whole_then_resized(data, (SIDE, 171))))
    assert difference.mean() < 2.5, difference.mean()
