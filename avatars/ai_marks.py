"""The marks that say a file was made by a trained model: IPTC's digital source type in an XMP
packet (every PNG, WebP and MP4 we hand out) and PNG text chunks, and an RGBA PNG encoded
with its marks put in after the header."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def ai_xmp(*, engine: str, style: str, model: str) -> bytes:
    """XMP packet marking an image as made by a trained model (IPTC digital source type)."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about=""'
        ' xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pixme="https://pixme.example/ns/1.0/"'
        f' Iptc4xmpExt:DigitalSourceType="{DIGITAL_SOURCE_TYPE}"'
        ' xmp:CreatorTool="Pix Me!"'
        f' pixme:engine="{_xml_attr(engine)}" pixme:style="{_xml_attr(style)}"'
        f' pixme:model="{_xml_attr(model)}"/>'
        "</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def _xml_attr(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def png_marks(*, engine: str, style: str, model: str) -> PngInfo:
    info = PngInfo()
    info.add_text("Software", "Pix Me!")
    info.add_text("AI-Generated", "true")
    info.add_text("DigitalSourceType", DIGITAL_SOURCE_TYPE)
    info.add_text("Engine", engine)
    info.add_text("Style", style)
    info.add_text("Model", model)
    info.add_itxt("XML:com.adobe.xmp", ai_xmp(engine=engine, style=style, model=model).decode())
    return info


def png_rgba_encode(image: Image.Image, info: PngInfo) -> bytes:
    """An RGBA PNG (a cut-out, drawn per request) by OpenCV's libpng with every row "Up"
    filtered, zlib level 1, and ``info``'s chunks put in after the header. Pillow picks a
    filter per row by trying them all: on a 1024² cut-out (one core) it took 34 ms for 320 KB,
    this 15 ms for 310 KB."""
    bgra = cv2.cvtColor(np.asarray(image.convert("RGBA")), cv2.COLOR_RGBA2BGRA)
    params = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP]
    ok, encoded = cv2.imencode(".png", bgra, params)
    if not ok:
        raise ValueError("OpenCV could not encode the PNG")
    data = encoded.tobytes()
    header = 8 + 4 + 4 + 13 + 4  # the signature, then IHDR: length, type, its 13 bytes, CRC
    marks = b"".join(png_chunk(kind, body) for kind, body, _after_idat in info.chunks)
    return data[:header] + marks + data[header:]


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
