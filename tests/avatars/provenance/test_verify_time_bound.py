"""Every Content Credentials check has a time bound, and none waits for another: a file made to
be slow to read (a PNG of 300,000 empty chunks keeps c2pa busy for seconds) holds up no one,
answers "we couldn't check this file in time" past PIXME_VERIFY_TIMEOUT_SECONDS, and its reader
process is ended; when every reader is busy, a check is refused at once, in words."""

import html
import io
import multiprocessing
import struct
import threading
import time
import zlib

import pytest
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from avatars.provenance.services import sign
from avatars.provenance.verify import upload_verify
from avatars.sharing.services import avatar_share
from tests.avatars.provenance.test_provenance import RENDER, picture
from tests.conftest import upload

SLOW_BOUND = 4.0  # seconds: the slow file's check ends then (or sooner on a fast machine)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@pytest.fixture(scope="module")
def slow_file() -> bytes:
    """A valid 64×64 PNG with 300,000 empty private chunks after its pixels (3.6 MB, well
    under the upload limit): c2pa walks every chunk, ~15 µs each — seconds of one core."""
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (30, 120, 200)).save(buf, "PNG")
    png = buf.getvalue()
    end = png.rindex(b"IEND") - 4
    return png[:end] + _chunk(b"prVt", b"") * 300_000 + png[end:]


@pytest.fixture(scope="module")
def signed_file() -> bytes:
    return sign(picture(5), mime="image/png", title="Comics avatar, version 1", render=RENDER)


def in_background(data: bytes) -> tuple[dict, threading.Event]:
    """Check ``data`` on another thread, as another visitor would."""
    box: dict = {}
    done = threading.Event()

    def run():
        try:
            box["result"] = upload_verify(upload=io.BytesIO(data), size=len(data))
        finally:
            done.set()

    threading.Thread(target=run, daemon=True).start()
    return box, done


def test_a_slow_check_holds_up_no_other_check(client, db, settings, slow_file, signed_file):
    settings.PIXME_VERIFY_TIMEOUT_SECONDS = SLOW_BOUND
    slow, slow_done = in_background(slow_file)
    time.sleep(0.5)  # the slow file is being read by now
    assert not slow_done.is_set()

    page = client.post("/verify/", {"file": upload(signed_file, "v1.png", "image/png")})
    api = APIClient().post(
        "/api/verify/", {"file": upload(signed_file, "v1.png", "image/png")}, format="multipart"
    )

    assert not slow_done.is_set(), "the quick checks waited for the slow one"
    assert page.status_code == 200 and "Signed by Pix Me!" in page.content.decode()
    assert api.status_code == 200 and api.json()["verdict"] == "trusted"
    assert slow_done.wait(SLOW_BOUND + 10)
    assert slow["result"].verdict in {"timeout", "none"}


def test_a_check_past_its_bound_says_so(client, db, settings, slow_file):
    settings.PIXME_VERIFY_TIMEOUT_SECONDS = 0.3
    response = client.post("/verify/", {"file": upload(slow_file, "slow.png", "image/png")})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Not checked in time" in page
    assert "We couldn't check this file in time" in page

    api = APIClient().post(
        "/api/verify/", {"file": upload(slow_file, "slow.png", "image/png")}, format="multipart"
    )
    assert api.status_code == 200
    assert api.json()["verdict"] == "timeout" and api.json()["valid"] is False
    assert "couldn't check this file in time" in api.json()["words"]


def test_a_check_past_its_bound_ends_its_reader(db, settings, slow_file, signed_file):
    """The bound is on the work, not only on the wait: the process reading is ended."""
    settings.PIXME_VERIFY_WORKERS = 1
    settings.PIXME_VERIFY_TIMEOUT_SECONDS = 0.3
    warm = upload_verify(upload=io.BytesIO(signed_file), size=len(signed_file))
    assert warm.verdict == "trusted"
    readers = {child.pid for child in multiprocessing.active_children()}

    result = upload_verify(upload=io.BytesIO(slow_file), size=len(slow_file))
    assert result.verdict == "timeout"
    deadline = time.monotonic() + 10
    while readers <= {child.pid for child in multiprocessing.active_children()}:
        assert time.monotonic() < deadline, "the reader of the slow file is still running"
        time.sleep(0.05)

    assert upload_verify(upload=io.BytesIO(signed_file), size=len(signed_file)).valid


def test_when_every_reader_is_busy_a_check_is_refused_in_words(
    client, db, settings, slow_file, signed_file, alice_avatar
):
    avatar_share(avatar=alice_avatar)
    settings.PIXME_VERIFY_WORKERS = 1
    settings.PIXME_VERIFY_TIMEOUT_SECONDS = SLOW_BOUND
    _, slow_done = in_background(slow_file)
    time.sleep(0.5)  # it has the only reader

    # Three visitors at once (the shared page reads the database: on this thread).
    answers = {}
    visitors = [
        threading.Thread(
            target=lambda: answers.__setitem__(
                "page", Client().post("/verify/", {"file": upload(signed_file, "v.png")})
            )
        ),
        threading.Thread(
            target=lambda: answers.__setitem__(
                "api",
                APIClient().post(
                    "/api/verify/", {"file": upload(signed_file, "v.png")}, format="multipart"
                ),
            )
        ),
    ]
    for visitor in visitors:
        visitor.start()
    shared = client.get(f"/s/{alice_avatar.share_token}/credentials/")
    for visitor in visitors:
        visitor.join()
    page, api = answers["page"], answers["api"]

    assert not slow_done.is_set(), "the checks waited for the slow one"
    assert page.status_code == 429 and int(page["Retry-After"]) > 0
    assert "checking many files right now" in html.unescape(page.content.decode())
    assert shared.status_code == 429 and int(shared["Retry-After"]) > 0
    assert "checking many files right now" in html.unescape(shared.content.decode())
    assert api.status_code == 429 and api.json()["code"] == "busy"
    assert int(api["Retry-After"]) > 0
    assert slow_done.wait(SLOW_BOUND + 10)
