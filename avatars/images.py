"""Decode, check and normalise uploads; encode generated images with their AI-made marks.

Uploads are judged by decoding them with Pillow, never by name or declared type. A normalised
image is a fresh RGB pixel copy: no EXIF, no GPS, no ICC profile, no comments survive.
"""

from __future__ import annotations

import contextlib
import io
import math
import struct
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from PIL import ExifTags, Image, ImageCms, UnidentifiedImageError

from avatars.ai_marks import ai_xmp, png_marks, png_rgba_encode
from pixme.uploads import too_large_message

try:  # HEIC needs libheif; without it HEIC uploads are refused as an unknown format.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - pillow-heif is in requirements.txt
    HEIF_SUPPORTED = False

# Pillow's format names we accept; everything else decoded by Pillow (TIFF, BMP, PSD…) is refused.
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "AVIF"} | ({"HEIF"} if HEIF_SUPPORTED else set())
ACCEPTED_FORMATS_TEXT = "JPEG, PNG, WebP, GIF, AVIF" + (" or HEIC" if HEIF_SUPPORTED else "")

# IPTC's term for "made by a trained model": what C2PA and Google use to mark AI images.
THUMBNAIL_SIDE = 320
DRAFT_SLACK = 0.9  # how far under the stored size a JPEG may be decoded (see below)
MAX_ASPECT = 8  # longest side at most 8× the shortest: a selfie, not a banner
DAMAGED = "This image is damaged or incomplete. Please upload the photo again."


class ImageRejected(ValueError):
    """An upload we refuse; ``message`` is one sentence for the person who sent it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class NormalisedImage:
    image: Image.Image  # RGB, metadata-free, long side ≤ PIXME_STORED_MAX_SIDE
    original_format: str
    original_size: tuple[int, int]


def normalise_upload(
    fp: BinaryIO,
    *,
    size: int | None = None,
    decoding: contextlib.AbstractContextManager | None = None,
) -> NormalisedImage:
    """Check an uploaded file by decoding it and return a clean RGB copy, or raise ImageRejected.

    ``decoding`` is entered once the header has passed the checks and held while the pixels
    are decoded and shrunk, the part that costs memory: a caller's limit on how many uploads
    do that at once (a file that is refused by its header never waits for it).
    """
    image, image_format = checked_open(fp, size=size, load=False)
    original_size = image.size
    with decoding or contextlib.nullcontext():
        with _refused_when_unreadable():
            image = _decoded(fp, image, image_format)
        clean = _stored_copy(image, settings.PIXME_STORED_MAX_SIDE)
    return NormalisedImage(clean, image_format, original_size)


def checked_open(
    fp: BinaryIO, *, size: int | None = None, load: bool = True
) -> tuple[Image.Image, str]:
    """Open an uploaded file under the upload limits (bytes, pixels, formats, shape) and
    return it, decoded unless ``load`` is false, with its format, or raise ImageRejected.
    Nothing is re-encoded: a caller that must keep the file as it came (checking its Content
    Credentials, which needs the header's checks but not the pixels) can."""
    max_bytes = settings.PIXME_UPLOAD_MAX_BYTES
    max_pixels = settings.PIXME_UPLOAD_MAX_PIXELS
    if size is None:
        fp.seek(0, io.SEEK_END)
        size = fp.tell()
    fp.seek(0)
    if size == 0:
        raise ImageRejected("This file is empty. Please choose a photo.")
    if size > max_bytes:
        raise ImageRejected(too_large_message(size))
    with _refused_when_unreadable():
        with warnings.catch_warnings():
            # Pillow warns (then errors) on huge images; we check the pixel count ourselves.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(fp)
        image_format = image.format or ""
        if image_format == "MPO":  # multi-picture JPEG from phones: its first frame is a JPEG
            image_format = "JPEG"
        if image_format not in ALLOWED_FORMATS:
            raise ImageRejected(
                f"{image_format or 'This'} files aren't supported. "
                f"Please upload a {ACCEPTED_FORMATS_TEXT} image."
            )
        width, height = image.size
        if width * height > max_pixels:
            raise ImageRejected(
                f"This image is {width}×{height} ({width * height / 1e6:.0f} megapixels); "
                f"the limit is {max_pixels / 1e6:.0f} megapixels."
            )
        if max(width, height) > MAX_ASPECT * min(width, height):
            raise ImageRejected(
                f"This picture is {width}×{height}: too long and thin for an avatar. "
                "Please use a photo closer to square, like a selfie."
            )
        if width < 16 or height < 16:
            raise ImageRejected("This image is too small; please use a photo at least 16 px.")
        if load:
            image = _decoded(fp, image, image_format)
    return image, image_format


@contextlib.contextmanager
def _refused_when_unreadable() -> Iterator[None]:
    """Pillow's ways of saying a file is no image, or a broken one, as ImageRejected."""
    try:
        yield
    except ImageRejected:
        raise
    except Image.DecompressionBombError:
        raise ImageRejected(
            "This image is too large to open safely. Please upload a smaller photo."
        ) from None
    except UnidentifiedImageError:
        raise ImageRejected(
            f"This file isn't a photo we can read. Please upload a {ACCEPTED_FORMATS_TEXT} image."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, RuntimeError, struct.error):
        # Truncated or corrupt data surfaces as any of these from Pillow's decoders (the
        # AVIF and HEIF decoders raise RuntimeError).
        raise ImageRejected(DAMAGED) from None


def _decoded(fp: BinaryIO, image: Image.Image, image_format: str) -> Image.Image:
    """The pixels of an opened upload's first frame, shrunk while decoding where the format
    allows it (JPEG, WebP)."""
    image.seek(0)  # animated GIF/WebP: the first frame
    width, height = image.size
    if image_format == "WEBP":
        return _webp_decoded(fp, image)
    if image_format == "JPEG":
        # Let the JPEG decoder scale down by 2/4/8 while decoding: a 40-megapixel
        # photo then costs a quarter of the memory. Down to 90 % of the stored size:
        # a 12 MP phone photo (4032 px) is then decoded at half size, 2016 px — a
        # quarter of the decoding time (~450 ms of the ~650 ms its upload took).
        # (draft keeps both sides at least as asked: ask in the photo's own shape.)
        scale = settings.PIXME_STORED_MAX_SIDE * DRAFT_SLACK / max(width, height)
        if scale < 1:
            image.draft(image.mode, (math.ceil(width * scale), math.ceil(height * scale)))
    image.load()
    return image


def _webp_decoded(fp: BinaryIO, opened: Image.Image) -> Image.Image:
    """The first frame of a WebP, decoded by libvips already shrunk to the stored size.

    Pillow decodes WebP only through libwebp's animation decoder, which holds two full-size
    RGBA canvases before a copy of one reaches Python: a 40-megapixel WebP (a flat one is
    90 KB) cost ~610 MB. libwebp can scale while it decodes, a few rows at a time, and
    libvips is the binding that exposes it: the same file then costs ~50 MB. The metadata
    (orientation, colour profile) is the one Pillow read from the header; nothing is decoded
    at full size.
    """
    import pyvips  # here, not at the top: libvips starts its threads for WebP uploads only

    pyvips.cache_set_max(0)  # its operation cache would keep the last decoded image alive
    width, height = opened.size
    fp.seek(0)
    try:
        decoded = pyvips.Image.webpload_buffer(
            fp.read(),
            scale=min(1.0, settings.PIXME_STORED_MAX_SIDE / max(width, height)),
            fail_on="error",
        ).numpy()
    except pyvips.Error:
        raise ImageRejected(DAMAGED) from None
    image = Image.fromarray(decoded)  # RGB, or RGBA for a WebP with alpha
    image.info = dict(opened.info)
    return image


def _stored_copy(image: Image.Image, max_side: int) -> Image.Image:
    """The upright sRGB copy we keep, long side at most ``max_side``.

    A 40-megapixel upload is one large decoded image, and nothing else of that size is ever
    made: its pixels are converted and resized a strip at a time (see :func:`_resized_rgb`),
    and the orientation is applied to the small result.
    """
    orientation = _orientation(image)
    to_rgb = _srgb_converter(image)
    sideways = orientation in _SIDEWAYS
    width, height = image.size
    upright = (height, width) if sideways else (width, height)
    if max(upright) > max_side:
        fitted = _fitted(upright, max_side)
        image = _resized_rgb(image, fitted[::-1] if sideways else fitted, to_rgb)
    else:
        image = to_rgb(image)
    if orientation is not None:
        image = image.transpose(orientation)
    # A fresh image from the pixels alone: nothing of the original's metadata can ride along.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    return clean


# EXIF orientation → the transpose that shows the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SIDEWAYS = {_UPRIGHT[5], _UPRIGHT[6], _UPRIGHT[7], _UPRIGHT[8]}
_STRIP_ROWS = 256  # 7744 px wide RGBA: 8 MB a strip


def _orientation(image: Image.Image) -> Image.Transpose | None:
    try:
        return _UPRIGHT.get(image.getexif().get(ExifTags.Base.Orientation, 1))
    except Exception:  # a damaged EXIF block: keep the pixels as they are
        return None


def _fitted(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The size Image.thumbnail gives ``size`` in a ``side`` square (its rounding, exactly)."""
    width, height = size
    aspect = width / height

    def nearest(number: float, error) -> int:
        return max(min(math.floor(number), math.ceil(number), key=error), 1)

    if aspect <= 1:
        return nearest(side * aspect, lambda n: abs(aspect - n / side)), side
    return side, nearest(side / aspect, lambda n: abs(aspect - side / n) if n else 0)


def _resized_rgb(
    image: Image.Image, size: tuple[int, int], to_rgb: Callable[[Image.Image], Image.Image]
) -> Image.Image:
    """``to_rgb(image)`` resized to ``size`` (Lanczos) without a full-size converted copy.

    Pillow's Lanczos runs along the rows first, then down the columns, rounding to 8 bits in
    between: converting and resizing strips of rows to the final width, then the stack of them
    to the final height, gives the same pixels as converting and resizing the whole image.
    """
    width, height = image.size
    rows = Image.new("RGB", (size[0], height))
    for top in range(0, height, _STRIP_ROWS):
        strip = to_rgb(image.crop((0, top, width, min(top + _STRIP_ROWS, height))))
        rows.paste(strip.resize((size[0], strip.height), Image.Resampling.LANCZOS), (0, top))
    return rows.resize(size, Image.Resampling.LANCZOS)


def _srgb_converter(image: Image.Image) -> Callable[[Image.Image], Image.Image]:
    """A function turning this image's pixels, whole or a strip, into sRGB flattened on white.

    The colour transform is built once from the embedded profile; a broken profile is not worth
    refusing the photo for, so its raw values are used instead.
    """
    mode = image.mode
    transparent = mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info)
    icc = image.info.get("icc_profile")
    # A palette's colours are in the profile's space too: convert, then transform.
    colour_mode = ("RGBA" if transparent else "RGB") if icc and mode == "P" else mode
    transform = None
    if icc and colour_mode in ("RGB", "RGBA", "CMYK"):
        with contextlib.suppress(ImageCms.PyCMSError, OSError):
            transform = ImageCms.buildTransform(
                ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                ImageCms.createProfile("sRGB"),
                colour_mode,
                "RGBA" if colour_mode == "RGBA" else "RGB",
            )

    def to_rgb(part: Image.Image) -> Image.Image:
        if part.mode != colour_mode:
            part = part.convert(colour_mode)
        if transform is not None:
            part = ImageCms.applyTransform(part, transform)
        if transparent:
            rgba = part.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(background, rgba).convert("RGB")
        if part.mode in ("I;16", "I;16B", "I;16L", "I"):
            part = part.point(lambda v: v / 256).convert("L")
        return part.convert("RGB")

    return to_rgb


def encode_source(image: Image.Image) -> bytes:
    """The stored copy of an upload: high-quality JPEG, no metadata at all."""
    buf = io.BytesIO()
    # No optimize pass: it halves the encode time (8 → 4 ms at 1024², in the create POST) for 1 %
    # more bytes.
    image.convert("RGB").save(buf, "JPEG", quality=92)
    return buf.getvalue()


def encode_png(
    image: Image.Image,
    *,
    engine: str,
    style: str,
    model: str,
    keep_alpha: bool = False,
) -> bytes:
    """A PNG marked AI-made (text chunks and XMP). ``keep_alpha``: an RGBA picture keeps its
    transparency (a cut-out, a round profile picture); otherwise RGB."""
    info = png_marks(engine=engine, style=style, model=model)
    if keep_alpha and image.mode == "RGBA":
        return png_rgba_encode(image, info)
    buf = io.BytesIO()
    # zlib level 1, measured by bench/png_levels.py (seven studio styles at 1024², one core):
    # the same mean size as level 6 (696 vs 692 KB) 2.5-4× faster (Vintage, the slowest: 385 vs
    # 1656 ms best of 9 on a loaded machine). Level 3 is 5% smaller but ~1.5× slower; levels
    # 4-9 cost 2-7× more for files no smaller.
    image.convert("RGB").save(buf, "PNG", pnginfo=info, optimize=False, compress_level=1)
    return buf.getvalue()


def encode_webp(
    image: Image.Image,
    *,
    engine: str,
    style: str,
    model: str,
    quality: int = 90,
    keep_alpha: bool = False,
    method: int = 2,
    lossless: bool = False,
) -> bytes:
    """The WebP with the AI-made XMP; ``keep_alpha``: an RGBA picture keeps its transparent
    ground (a cut-out, a sticker). ``method`` trades encoding time for size (0 fastest, 6
    smallest); ``lossless`` keeps every pixel (``quality`` is then the effort).

    Method 2 by default, measured on three studio styles at 1024², quality 90, best of 3: half
    the time of libwebp's own default 4 (comics 44 vs 83 ms, vintage 52 vs 104, anime 32 vs 64)
    for files from 2 % smaller to 3 % larger (236 vs 232 KB, 313 vs 318, 116 vs 113). Stickers,
    which must fit a messenger's byte limit, keep method 4 (avatars.stickers.files)."""
    buf = io.BytesIO()
    image.convert("RGBA" if keep_alpha and image.mode == "RGBA" else "RGB").save(
        buf,
        "WEBP",
        quality=quality,
        method=method,
        lossless=lossless,
        xmp=ai_xmp(engine=engine, style=style, model=model),
    )
    return buf.getvalue()


def thumbnail(image: Image.Image, side: int = THUMBNAIL_SIDE) -> Image.Image:
    thumb = image.convert("RGB").copy()
    thumb.thumbnail((side, side), Image.Resampling.LANCZOS)
    return thumb


def open_stored(data: bytes) -> Image.Image:
    """Open an image we stored ourselves (trusted) as RGB."""
    with Image.open(io.BytesIO(data)) as im:
        return im.convert("RGB")
