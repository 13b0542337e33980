"""Media on S3 is private: the owner gets a version through the site (streamed after the
ownership check), another user gets 404, and the bucket refuses anyone without a signature."""

import json
import time
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.scaleout.cluster import create_avatar, request
from tests.scaleout.test_progress_across_processes import wait_until

pytestmark = pytest.mark.scaleout


def test_only_the_owner_gets_the_file(running, people, photo):
    alice, charlie = people(2)
    web_a, web_b = running.webs["web-a"], running.webs["web-b"]
    avatar = create_avatar(web_a, alice["token"], photo)
    turn = avatar["turns"][0]["turn"]
    assert wait_until(lambda: running.turn_status(turn) == "succeeded", 60), running.logs()
    url = f"/api/avatars/{avatar['id']}/turns/{turn}/image.png"

    status, headers, body = request("GET", web_b.url + url, token=alice["token"])
    assert status == 200 and body.startswith(b"\x89PNG")
    assert headers["Cache-Control"] == "private, max-age=3600"
    assert request("GET", web_b.url + url, token=charlie["token"])[0] == 404
    assert request("GET", web_a.url + url)[0] in (401, 403)

    page = f"/avatars/{avatar['id']}/v/{turn}/image.png"
    cookie = {"Cookie": f"sessionid={charlie['session']}"}
    req = urllib.request.Request(web_a.url + page, headers=cookie)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=30)
    assert refused.value.code == 404

    ((key,),) = running.postgres.query("select image from avatars_turn where id = %s", turn)
    bucket_url = f"{running.s3.url}/{running.s3.bucket}/{key}"
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        urllib.request.urlopen(bucket_url, timeout=30)
    assert anonymous.value.code == 403


def test_signed_urls_are_short_lived(running):
    code = (
        "from django.core.files.storage import storages; "
        "print(storages['default'].url('avatars/any.png'))"
    )
    query = parse_qs(urlsplit(running.shell(code)).query)
    # AWS_QUERYSTRING_EXPIRE (300 s); botocore signs with SigV2 or SigV4 depending on the
    # endpoint. (moto does not enforce expiry, so this is as far as it can be proven here.)
    if "X-Amz-Expires" in query:
        assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
    else:
        assert 290 < int(query["Expires"][0]) - time.time() <= 301
        assert "Signature" in query


def test_the_api_lists_no_bucket_urls(running, people, photo):
    (alice,) = people(1)
    web = running.webs["web-a"]
    avatar = create_avatar(web, alice["token"], photo)
    assert running.s3.url not in json.dumps(avatar)
