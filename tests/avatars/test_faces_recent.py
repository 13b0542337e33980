"""The faces a process found lately are kept by their pixels: the same pixels give the same
answer without a second search, and any other pixels are searched afresh."""

from __future__ import annotations

from PIL import ImageOps

from avatars import faces


def test_the_same_pixels_are_answered_from_memory(face_photo, monkeypatch):
    monkeypatch.setattr(faces, "_recent", type(faces._recent)())
    first = faces.analyse(face_photo)
    searches = []
    monkeypatch.setattr(faces, "_analyse", lambda *a, **k: searches.append(a) or first)
    again = faces.analyse(face_photo.copy())
    assert again == first and again.embedding == first.embedding and not searches
    # Asked without the embedding: the same faces, no embedding, still no search.
    plain = faces.analyse(face_photo, with_embedding=False)
    assert plain.faces == first.faces and plain.embedding is None and not searches


def test_other_pixels_are_searched_afresh(face_photo):
    first = faces.analyse(face_photo)
    mirrored = faces.analyse(ImageOps.mirror(face_photo))
    assert mirrored.face is not None and first.face is not None
    # The mirror's face sits mirrored: a remembered answer would have the first one's box.
    assert mirrored.face.box != first.face.box
    # Measured 5.5 px off the mirror image of the first (HOG's grid at the 0.625 work scale),
    # the same with OPENCV_CPU_DISABLE=AVX2,FMA3; a face elsewhere would be 100s of px off.
    left, _top, right, _bottom = first.face.box
    assert abs(mirrored.face.center[0] - (face_photo.width - (left + right) / 2)) < 20
    # One pixel changed is another picture.
    touched = face_photo.copy()
    touched.putpixel((0, 0), (0, 0, 0) if touched.getpixel((0, 0)) != (0, 0, 0) else (1, 1, 1))
    assert faces._pixels(touched) != faces._pixels(face_photo)


def test_an_embedding_is_kept_for_its_pixels_and_face(face_photo, monkeypatch):
    found = faces.analyse(face_photo)
    once = faces.embed(face_photo, found.face)

    def no_models():
        raise AssertionError("the models were asked again")

    with monkeypatch.context() as patched:
        patched.setattr(faces, "_models", no_models)
        assert faces.embed(face_photo.copy(), found.face) == once
    moved = found.face.moved(3, 0)
    assert faces.embed(face_photo, moved) != once


def test_a_palette_is_part_of_the_picture(face_photo):
    indexed = face_photo.convert("P")
    other = indexed.copy()
    other.putpalette([255 - v for v in indexed.getpalette()])
    assert other.tobytes() == indexed.tobytes()
    assert faces._pixels(other) != faces._pixels(indexed)
