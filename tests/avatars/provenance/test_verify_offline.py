"""Checking Content Credentials never reaches the network: a file whose XMP only names where
its manifest is kept (``dcterms:provenance``) is told so, on the page, in the API and by
``pixme_verify``, and the address it names never hears from us — loopback included."""

import html
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import c2pa
import pytest
from django.core.management import call_command
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from rest_framework.test import APIClient

from avatars.provenance import keys
from tests.conftest import upload

ANSWER = "INTERNAL-ONLY-ANSWER-4417"  # what the address would say, were it asked


@pytest.fixture
def manifest_server():
    """A server on loopback, as an internal service would be: it answers every GET with a
    body of its own, and notes each request."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            requests.append(self.path)
            body = ANSWER.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/c2pa")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/manifests/4417.c2pa", requests
    server.shutdown()
    server.server_close()


def pointing_file(url: str, fmt: str = "PNG") -> bytes:
    """A picture with no manifest of its own whose XMP names ``url`` as where it is kept."""
    xmp = (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dcterms="http://purl.org/dc/terms/" '
        f'dcterms:provenance="{url}"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )
    image = Image.new("RGB", (64, 64), (200, 40, 90))
    buf = io.BytesIO()
    if fmt == "PNG":
        info = PngInfo()
        info.add_itxt("XML:com.adobe.xmp", xmp)
        image.save(buf, "PNG", pnginfo=info)
    else:
        image.save(buf, fmt, xmp=xmp.encode())
    return buf.getvalue()


def assert_told_not_fetched(text: str, url: str, requests: list[str]):
    assert requests == []
    assert "stored elsewhere, and we don't fetch them" in text
    assert ANSWER not in text and url not in text


@pytest.mark.parametrize(("fmt", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_the_page_says_stored_elsewhere_and_fetches_nothing(client, db, manifest_server, fmt, mime):
    url, requests = manifest_server
    response = client.post("/verify/", {"file": upload(pointing_file(url, fmt), "p.img", mime)})
    page = html.unescape(response.content.decode())
    assert_told_not_fetched(page, url, requests)
    assert response.status_code == 200
    assert "Credentials stored elsewhere" in page


def test_the_api_says_remote_and_fetches_nothing(db, manifest_server):
    url, requests = manifest_server
    response = APIClient().post(
        "/api/verify/",
        {"file": upload(pointing_file(url), "p.png", "image/png")},
        format="multipart",
    )
    assert_told_not_fetched(response.content.decode(), url, requests)
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "remote" and body["valid"] is False
    assert body["chain"] == [] and body["problems"] == []


def test_the_command_says_remote_and_fetches_nothing(db, manifest_server, tmp_path, capsys):
    url, requests = manifest_server
    path = tmp_path / "pointing.png"
    path.write_bytes(pointing_file(url))
    with pytest.raises(SystemExit) as exit_:
        call_command("pixme_verify", str(path))
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert_told_not_fetched(out, url, requests)
    assert out.startswith("REMOTE: ")


@pytest.mark.parametrize("section", sorted(keys.NO_NETWORK))
def test_each_switch_alone_keeps_the_sdk_off_the_network(manifest_server, section):
    """c2pa ignores a settings key it doesn't know: each of our switches must work alone, so
    that an SDK which renamed one fails here instead of quietly leaning on the other."""
    url, requests = manifest_server
    context = c2pa.Context.from_dict({section: keys.NO_NETWORK[section]})
    with pytest.raises(c2pa.C2paError) as refused:
        c2pa.Reader("image/png", io.BytesIO(pointing_file(url)), context=context)
    assert str(refused.value).startswith("Remote:")
    assert requests == []


def test_without_the_switches_the_sdk_would_fetch(manifest_server):
    """The other side of the test above: the file really does make c2pa's defaults call out."""
    url, requests = manifest_server
    with pytest.raises(c2pa.C2paError):
        c2pa.Reader("image/png", io.BytesIO(pointing_file(url)), context=c2pa.Context())
    assert requests == ["/manifests/4417.c2pa"]
