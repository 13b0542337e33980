"""The square a profile picture shows: framed on the face, not on the picture's centre.

Sites show a person's picture as a small square or circle, so the square is cut around the
face the version was measured to have (``Turn.faces``, found in the version's own picture
after it was shown) or, before that or when a style hides the face, the selfie's face
(``Avatar.source_faces``) moved onto the version's size: the studio keeps the selfie's
framing. With no face at all it is the picture's middle.

The face's centre is the square's centre whenever the picture allows: the square is as wide
as ``1 / FACE_SHARE`` faces (a head with its hair and a little of the shoulders), narrowed
to stay centred when the face sits near an edge, and only shifted off-centre when narrowing
further would cut into the face itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from avatars.faces import Face, FaceAnalysis

# The face box's share of the square's width: dlib's box spans brows to chin, so 0.4 leaves
# the hair, the ears and the top of the shoulders in.
FACE_SHARE = 0.4
# Narrowest square, in face boxes, before the face is allowed off-centre instead.
MIN_FACES_ACROSS = 1.4


@dataclass(frozen=True)
class Square:
    left: int
    top: int
    side: int

    @property
    def key(self) -> str:
        return f"{self.left}-{self.top}-{self.side}"

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.left, self.top, self.left + self.side, self.top + self.side)


def face_square(width: int, height: int, face: Face | None) -> Square:
    """The square of a ``width`` × ``height`` picture framed on ``face`` (see the module)."""
    short = min(width, height)
    if face is None or face.width <= 0:
        return Square((width - short) // 2, (height - short) // 2, short)
    cx, cy = face.center
    size = max(face.width, face.height)
    side = min(size / FACE_SHARE, short)
    centred = 2 * min(cx, width - cx, cy, height - cy)  # widest square centred on the face
    if side > centred:
        side = min(max(centred, size * MIN_FACES_ACROSS), short)
    side = max(1, round(side))
    left = round(min(max(cx - side / 2, 0), width - side))
    top = round(min(max(cy - side / 2, 0), height - side))
    return Square(left, top, side)


def picture_face(
    *, width: int, height: int, version_faces: dict | None, source_faces: dict | None
) -> Face | None:
    """The face to frame on in a ``width`` × ``height`` version: its own measured face,
    else the selfie's moved onto its size, else None."""
    for found in (version_faces, source_faces):
        if not found:
            continue
        analysis = FaceAnalysis.from_dict(found)
        if analysis.face is not None and analysis.width and analysis.height:
            return analysis.scaled_to(width, height).face
    return None


def square_picture(image: Image.Image, square: Square, side: int) -> Image.Image:
    """The square cut from ``image`` at ``side`` pixels (Lanczos, which is also what a
    reduction that large wants)."""
    cut = image.crop(square.box)
    if cut.size == (side, side):
        return cut
    return cut.resize((side, side), Image.Resampling.LANCZOS, reducing_gap=3.0)


def circle_picture(image: Image.Image) -> Image.Image:
    """``image`` (a square) inside a circle, transparent outside it, with a soft edge (the
    mask is drawn at four times the size, then reduced)."""
    side = image.width
    big = Image.new("L", (side * 4, side * 4), 0)
    ImageDraw.Draw(big).ellipse((0, 0, side * 4 - 1, side * 4 - 1), fill=255)
    mask = big.resize((side, side), Image.Resampling.LANCZOS)
    rgba = image.convert("RGBA")
    rgba.putalpha(mask)
    return rgba
