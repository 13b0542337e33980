"""The URLs real client libraries build, answered by this site: Gravatar's (libgravatar),
Libravatar's (pylibravatar, finding this site for a domain through its DNS SRV records, from
a DNS server on loopback: the network edge), and django-gravatar2's template tag as a forum
renders it. Only the scheme and host are swapped for the test server's."""

from __future__ import annotations

import html
import re
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

import dns.message
import dns.rdatatype
import dns.resolver
import dns.rrset
import libravatar
import pytest
from django.template import engines
from django.test import Client
from libgravatar import Gravatar

from tests.picture_people import ALICE, confirm, md5, picture, published

pytestmark = pytest.mark.django_db

STRANGER = "nobody@example.org"


@pytest.fixture
def shown(alice, alice_avatar):
    confirm(alice, ALICE)
    published(alice, alice_avatar)
    return alice_avatar


def fetch(url: str):
    """``url`` asked of this site: its path and query, whatever host the library named."""
    parts = urlsplit(url)
    return Client().get(parts.path + (f"?{parts.query}" if parts.query else ""))


def canonical(digest: str, query: str):
    return Client().get(f"/avatar/{digest}?{query}")


# --- libgravatar 1.0.4 -------------------------------------------------------------------


def test_libgravatar_urls_get_the_picture_at_the_size_asked(shown):
    url = Gravatar(ALICE).get_image(size=120, default="identicon", rating="pg")
    assert url.startswith("https://www.gravatar.com/avatar/")
    assert "size=120" in url and "default=identicon" in url  # the long names

    response = fetch(url)

    assert response.status_code == 200
    assert picture(response).size == (120, 120)
    assert response.content == canonical(md5(ALICE), "s=120").content  # the avatar itself
    with_extension = fetch(Gravatar(ALICE).get_image(size=64, filetype_extension=True))
    assert picture(with_extension).size == (64, 64)


def test_libgravatar_defaults_and_forcedefault(shown):
    stranger = fetch(Gravatar(STRANGER).get_image(size=48, default="identicon"))
    assert stranger.content == canonical(md5(STRANGER), "s=48&d=identicon").content
    assert picture(stranger).size == (48, 48)
    assert fetch(Gravatar(STRANGER).get_image(default="404")).status_code == 404
    blank = picture(fetch(Gravatar(STRANGER).get_image(default="blank")))
    assert (blank.size, blank.getextrema()[3]) == ((80, 80), (0, 0))
    forced = fetch(Gravatar(ALICE).get_image(default="mp", force_default=True))
    assert forced.content == canonical(md5(STRANGER), "d=mp").content  # not Alice's avatar
    redirect = fetch(Gravatar(STRANGER).get_image(default="https://example.com/nobody.png"))
    assert (redirect.status_code, redirect["Location"]) == (302, "https://example.com/nobody.png")


# --- pylibravatar 2.0.2, federated through DNS SRV records -------------------------------


class SrvServer:
    """A DNS server on loopback that answers the SRV records an operator adds for a domain
    whose addresses this site serves (README: "Libravatar: the DNS records")."""

    def __init__(self, records: dict[str, str]):
        self.records = records  # "_avatars-sec._tcp.example.com." -> "0 0 443 avatars.pixme.test."
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.asked: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.socket.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            question = query.question[0]
            name = question.name.to_text()
            self.asked.append(name)
            response = dns.message.make_response(query)
            if question.rdtype == dns.rdatatype.SRV and name in self.records:
                response.answer.append(
                    dns.rrset.from_text(name, 300, "IN", "SRV", self.records[name])
                )
            else:
                response.set_rcode(dns.rcode.NXDOMAIN)
            self.socket.sendto(response.to_wire(), peer)

    def __enter__(self):
        self._thread.start()
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = self.port
        resolver.lifetime = 2
        self._saved = dns.resolver.default_resolver
        dns.resolver.default_resolver = resolver
        return self

    def __exit__(self, *exc):
        dns.resolver.default_resolver = self._saved
        self._stop.set()
        self._thread.join()
        self.socket.close()


def test_pylibravatar_finds_this_site_by_srv_and_gets_the_picture(shown):
    records = {
        "_avatars-sec._tcp.example.com.": "0 0 443 avatars.pixme.test.",
        "_avatars._tcp.example.com.": "0 0 8080 avatars.pixme.test.",
    }
    with SrvServer(records) as dns_server:
        secure = libravatar.libravatar_url(email=ALICE, https=True, size=100, default="404")
        plain = libravatar.libravatar_url(email=ALICE, size=32)
    assert dns_server.asked == list(records)
    assert secure == f"https://avatars.pixme.test/avatar/{md5(ALICE)}?d=404&s=100"
    assert plain == f"http://avatars.pixme.test:8080/avatar/{md5(ALICE)}?s=32"

    response = fetch(secure)

    assert response.status_code == 200
    assert picture(response).size == (100, 100)
    assert response.content == canonical(md5(ALICE), "s=100").content
    assert picture(fetch(plain)).size == (32, 32)


def test_pylibravatar_defaults_for_an_address_nobody_published(db):
    with SrvServer({"_avatars-sec._tcp.example.org.": "0 0 443 avatars.pixme.test."}):
        missing = libravatar.libravatar_url(email=STRANGER, https=True, default="404")
        pattern = libravatar.libravatar_url(email=STRANGER, https=True, default="identicon")
        silhouette = libravatar.libravatar_url(email=STRANGER, https=True, default="mm", size=60)
    assert fetch(missing).status_code == 404
    assert fetch(pattern).content == canonical(md5(STRANGER), "d=identicon").content
    assert picture(fetch(silhouette)).size == (60, 60)
    assert fetch(silhouette).content == canonical(md5(STRANGER), "d=mp&s=60").content


# --- django-gravatar2 1.4.5's template tag, in a forum's template -------------------------


def render_post(author) -> str:
    template = (Path(__file__).resolve().parents[2] / "templates" / "forum_post.html").read_text()
    return engines["django"].from_string(template).render({"author": author, "text": "Hi!"})


def img_src(markup: str) -> str:
    return html.unescape(re.search(r'src="([^"]+)"', markup).group(1))


def test_django_gravatar2s_tag_shows_the_picture(shown, alice):
    src = img_src(render_post(alice))
    assert src.startswith("https://secure.gravatar.com/avatar/")
    assert src.split("/")[-1].startswith(f"{md5(ALICE)}.jpg?")  # with the .jpg it adds

    response = fetch(src)

    assert response.status_code == 200
    assert picture(response).size == (64, 64)
    assert response.content == canonical(md5(ALICE), "s=64").content


def test_django_gravatar2s_tag_gets_the_mystery_person_for_a_stranger(bob):
    bob.email = STRANGER
    bob.save()

    response = fetch(img_src(render_post(bob)))

    assert picture(response).size == (64, 64)
    assert response.content == canonical(md5(STRANGER), "s=64&d=mp").content
