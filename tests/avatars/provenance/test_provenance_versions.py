"""Every finished version carries our Content Credentials: the stored PNG and the WebP
download, a first version as created by a model, an edit with its parent as ingredient."""

import logging

from avatars.models import Turn
from avatars.provenance import keys
from avatars.provenance.verify import verify
from avatars.services.downloads import turn_webp
from avatars.services.turns import turn_request_edit


def read(field) -> bytes:
    with field.open("rb") as fh:
        return fh.read()


def test_a_first_version_is_trusted_and_made_by_a_model(alice_avatar):
    turn = alice_avatar.current_turn
    assert turn.signed
    result = verify(read(turn.image), mime="image/png")
    assert result.verdict == "trusted"
    (link,) = result.chain
    assert link.title == "Comics avatar, version 1"
    assert link.actions == ["c2pa.created"]
    assert link.render == {"engine": "studio", "model": "studio", "style": "comics"}
    assert link.generator.startswith("Pix Me!")
    png = read(turn.image)
    assert b"trainedAlgorithmicMedia" in png and b"AI-Generated" in png  # the IPTC mark stays


def test_an_edit_chain_of_three_carries_its_history_in_order(alice, alice_avatar, run_jobs):
    for instruction in ("add round glasses", "make it warmer"):
        with run_jobs():
            turn_request_edit(avatar=alice_avatar, instruction=instruction)
    v3 = Turn.objects.get(avatar=alice_avatar, number=3)
    for data, mime in ((read(v3.image), "image/png"), (read(turn_webp(turn=v3)), "image/webp")):
        result = verify(data, mime=mime)
        assert result.verdict == "trusted", (mime, result.problems)
        assert [link.title for link in result.chain] == [
            "Comics avatar, version 3",
            "Comics avatar, version 2",
            "Comics avatar, version 1",
        ]
        assert [link.actions for link in result.chain] == [
            ["c2pa.opened", "c2pa.edited"],
            ["c2pa.opened", "c2pa.edited"],
            ["c2pa.created"],
        ]
    # Nothing of the user's: no name, e-mail or instruction in the manifest.
    blob = read(v3.image)
    assert b"alice" not in blob and b"warmer" not in blob and b"glasses" not in blob


def test_a_signing_failure_keeps_the_version_unsigned_and_says_so(
    alice, selfie_jpeg, run_jobs, settings, tmp_path, caplog
):
    from avatars.models import Style
    from avatars.services.avatars import avatar_create
    from tests.conftest import upload

    broken = tmp_path / "chain.pem"
    broken.write_text("not a certificate")
    settings.PIXME_C2PA_CHAIN = str(broken)
    settings.PIXME_C2PA_KEY = str(broken)
    keys.caches_clear()
    try:
        with caplog.at_level(logging.ERROR), run_jobs():
            avatar = avatar_create(
                owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="manga")
            )
    finally:
        settings.PIXME_C2PA_CHAIN = settings.PIXME_C2PA_KEY = ""
        keys.caches_clear()
    avatar.refresh_from_db()
    turn = avatar.current_turn
    assert turn.status == Turn.Status.SUCCEEDED and turn.image
    assert not turn.signed
    assert verify(read(turn.image), mime="image/png").verdict == "none"
    assert "could not add Content Credentials" in caplog.text
