"""Uploads are judged by decoding them: every refusal is a clear form error and writes nothing."""

import io

import pytest
from django.urls import reverse
from PIL import ExifTags, Image

from avatars.models import Avatar, Turn
from tests.conftest import encode, upload

pytestmark = pytest.mark.django_db


def post_photo(client, data: bytes, name: str = "selfie.jpg", style: str = "comics"):
    return client.post(
        reverse("avatars:new"),
        {"photo": upload(data, name), "style": style, "engine": "studio"},
    )


def assert_refused(response, message: str, media_root) -> None:
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html, html[html.find("error") - 200 : html.find("error") + 400]
    assert Avatar.objects.count() == 0
    assert Turn.objects.count() == 0
    assert not any(p.is_file() for p in media_root.rglob("*")), "a refused upload left a file"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    return tmp_path


def test_it_refuses_an_empty_file(alice_client, media_root):
    assert_refused(post_photo(alice_client, b""), "empty", media_root)


def test_it_refuses_a_file_that_is_not_an_image(alice_client, media_root):
    response = post_photo(alice_client, b"%PDF-1.7 definitely not a photo" * 10, "me.jpg")
    assert_refused(response, "isn&#x27;t a photo we can read", media_root)


def test_it_refuses_a_truncated_image(alice_client, media_root, selfie_jpeg):
    response = post_photo(alice_client, selfie_jpeg[: len(selfie_jpeg) // 3])
    assert_refused(response, "damaged or incomplete", media_root)


def test_it_refuses_a_file_over_15_mb(alice_client, media_root, selfie_jpeg):
    big = selfie_jpeg + b"\0" * (15 * 1024 * 1024)
    assert_refused(post_photo(alice_client, big), "the limit is 15 MB", media_root)


def test_it_refuses_a_decompression_bomb(alice_client, media_root):
    # 10,000 × 10,000 one-bit pixels: a 100-megapixel image in a file of a few kB.
    bomb = encode(Image.new("1", (10_000, 10_000)), "PNG", optimize=True)
    assert len(bomb) < 100_000
    assert_refused(
        post_photo(alice_client, bomb, "bomb.png"), "the limit is 40 megapixels", media_root
    )


def test_it_refuses_formats_outside_the_allow_list(alice_client, media_root, face_photo):
    tiff = encode(face_photo.resize((64, 64)), "TIFF")
    assert_refused(post_photo(alice_client, tiff, "selfie.jpg"), "TIFF files aren", media_root)


def test_it_refuses_a_tiny_image(alice_client, media_root):
    tiny = encode(Image.new("RGB", (8, 8), "red"), "PNG")
    assert_refused(post_photo(alice_client, tiny, "tiny.png"), "too small", media_root)


def test_it_judges_by_content_not_by_name(alice_client, media_root, face_photo, run_jobs):
    png_named_jpg = encode(face_photo.resize((512, 512)), "PNG")
    with run_jobs():
        response = post_photo(alice_client, png_named_jpg, "selfie.gif")
    assert response.status_code == 302
    assert Avatar.objects.count() == 1


def gps_photo(face_photo) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to display
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 30.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (0.0, 7.0, 40.0),
    }
    data = encode(face_photo.resize((640, 480)), "JPEG", exif=exif, quality=90)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def test_gps_never_reaches_a_stored_or_served_file(alice_client, media_root, face_photo, run_jobs):
    with run_jobs():
        response = post_photo(alice_client, gps_photo(face_photo))
    assert response.status_code == 302
    avatar = Avatar.objects.get()
    stored = [p for p in (media_root / "media").rglob("*") if p.is_file()]
    assert len(stored) == 4  # source, version image, its WebP download, thumbnail
    for path in stored:
        raw = path.read_bytes()
        assert b"PhoneCo" not in raw
        with Image.open(path) as im:
            exif = im.getexif()
            assert not exif.get_ifd(ExifTags.IFD.GPSInfo), path
            assert ExifTags.Base.Make not in exif
    turn = avatar.current_turn
    for url in (
        reverse("avatars:source", args=[avatar.pk]),
        reverse("avatars:turn-download", args=[avatar.pk, turn.pk, "png"]),
        reverse("avatars:turn-download", args=[avatar.pk, turn.pk, "webp"]),
    ):
        body = (
            b"".join(alice_client.get(url).streaming_content)
            if url.endswith(".jpg")
            else (alice_client.get(url).getvalue())
        )
        assert b"PhoneCo" not in body
        assert not Image.open(io.BytesIO(body)).getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_exif_orientation_is_applied(alice_client, media_root, face_photo, run_jobs):
    with run_jobs():
        post_photo(alice_client, gps_photo(face_photo))
    avatar = Avatar.objects.get()
    # 640×480 with "rotate 90°" displays as 480×640, and is stored that way.
    assert (avatar.source_width, avatar.source_height) == (480, 640)
    assert (avatar.current_turn.width, avatar.current_turn.height) == (480, 640)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF", "AVIF"])
def test_it_accepts_the_allowed_formats(alice_client, media_root, face_photo, run_jobs, fmt):
    data = encode(face_photo.resize((400, 400)), fmt)
    with run_jobs():
        response = post_photo(alice_client, data, f"selfie.{fmt.lower()}")
    assert response.status_code == 302, response.content[:2000]
    assert Avatar.objects.get().source_width == 400


def test_it_accepts_heic(alice_client, media_root, face_photo, run_jobs):
    data = encode(face_photo.resize((400, 400)), "HEIF")
    with run_jobs():
        response = post_photo(alice_client, data, "IMG_0001.HEIC")
    assert response.status_code == 302


def test_large_photos_are_stored_at_most_2048_px(alice_client, media_root, face_photo, run_jobs):
    data = encode(face_photo.resize((3000, 2400)), "JPEG", quality=80)
    with run_jobs():
        post_photo(alice_client, data)
    avatar = Avatar.objects.get()
    assert (avatar.source_width, avatar.source_height) == (2048, 1638)


def test_a_transparent_png_is_flattened_on_white(alice_client, media_root, face_photo, run_jobs):
    rgba = face_photo.resize((300, 300)).convert("RGBA")
    rgba.putalpha(0)
    with run_jobs():
        post_photo(alice_client, encode(rgba, "PNG"), "clear.png")
    avatar = Avatar.objects.get()
    with avatar.source.open("rb") as fh, Image.open(fh) as im:
        assert im.mode == "RGB"
        assert im.getpixel((10, 10))[0] > 245


def test_an_oversize_upload_is_not_kept_while_it_arrives(alice_client, media_root, settings):
    # The capped upload handler stops keeping the file past the limit: the form still says
    # why, and nothing was spooled to the temp folder for it.
    settings.PIXME_UPLOAD_MAX_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(media_root)
    big = b"\xff\xd8" + b"\0" * (3 * 1024 * 1024)
    response = post_photo(alice_client, big)
    assert_refused(response, "larger than 1 MB; the limit is 1 MB", media_root)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_damaged_exif_is_ignored_not_a_crash(alice_client, media_root, fmt, run_jobs):
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 90)).save(buf, fmt, exif=b"Exif\0\0not a tiff header")
    with run_jobs():
        response = post_photo(alice_client, buf.getvalue(), f"x.{fmt.lower()}")
    assert response.status_code == 302, response.content.decode()[:500]
    assert Avatar.objects.get().source_width == 64


def test_a_damaged_avif_is_refused_in_words(alice_client, media_root, face_photo):
    data = bytearray(encode(face_photo, "AVIF", quality=60))
    # Point the container's primary item at an item that isn't there: Pillow's AVIF plugin
    # raises RuntimeError ("Missing or empty image item"), not one of the usual errors.
    at = data.find(b"pitm")
    data[at + 8 : at + 10] = b"\x00\x63"
    response = post_photo(alice_client, bytes(data), "me.avif")
    assert_refused(response, "damaged or incomplete", media_root)


@pytest.mark.parametrize("size", [(16, 2000), (2000, 16)])
def test_a_long_thin_strip_is_refused_in_words(alice_client, media_root, size):
    response = post_photo(alice_client, encode(Image.new("RGB", size, "white"), "PNG"), "s.png")
    assert_refused(response, "too long and thin", media_root)


def test_a_phone_photo_is_decoded_at_half_size(alice_client, media_root, face_photo, run_jobs):
    """A 12 MP photo (4032 px) is decoded by the JPEG decoder at half size, 2016 px: a
    quarter of the decoding, and still sharper than the 1024 px the studio draws at."""
    data = encode(face_photo.resize((4032, 3024)), "JPEG", quality=85)
    with run_jobs():
        post_photo(alice_client, data)
    avatar = Avatar.objects.get()
    assert (avatar.source_width, avatar.source_height) == (2016, 1512)
