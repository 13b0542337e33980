"""MediaPipe's face mesh beside dlib's five points (issue #25, item 6): measured against points
marked by hand, it places hats better and glasses no better, so it joins for hats only."""

from __future__ import annotations

import numpy as np
from PIL import Image

from avatars import face_mesh
from avatars.faces import Face
from tests.avatars.engines import mask_quality as mq


def test_the_mesh_puts_468_points_on_the_face(face_photo, face_analysis):
    face = face_analysis.face
    found = face_mesh.mesh(face_photo, face)
    assert found is not None and found.presence > 0.9
    assert found.points.shape == (468, 2)
    left, top, right, bottom = face.box
    xs, ys = found.points[:, 0], found.points[:, 1]
    # The face oval spans the box (and the forehead above it).
    assert left - 60 < xs.min() < left + 30 and right - 30 < xs.max() < right + 60
    assert ys.max() > bottom - 30 and ys.min() < top
    assert found.left_eye[0] < found.right_eye[0]


def test_no_face_in_the_crop_means_no_mesh():
    blank = Image.new("RGB", (800, 800), (200, 180, 160))
    where = Face(
        box=(300, 300, 500, 500),
        landmarks=((470, 380), (440, 380), (330, 380), (360, 380), (400, 450)),
        score=1.0,
    )
    assert face_mesh.mesh(blank, where) is None


def test_the_mesh_places_hats_better_and_dlib_places_glasses_better():
    rows = [mq.placement_errors(rgb, marks) for _n, _d, rgb, marks in mq.marked_faces()]
    assert all(rows), "every marked face is found, upright and turned"

    def mean(key: str) -> float:
        return float(np.mean([row[key] for row in rows]))

    # Measured (eye-distances from the marks, 8 faces): hat line 0.32 by the mesh, 0.47 by
    # the fixed rule; eyes 0.04 by dlib's corners, 0.05 by the mesh's eye outlines.
    assert mean("hat_mesh") < mean("hat_rule") - 0.08
    assert mean("hat_mesh") < 0.4
    assert mean("eyes_dlib") <= mean("eyes_mesh") + 0.005
    assert mean("eyes_dlib") < 0.06
