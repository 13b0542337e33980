"""Identity photos at work: Gemini receives them as character references within its model's
count of people, every version's likeness is measured against all of them (and says so), and
takes are ranked by it."""

from __future__ import annotations

import pytest
from PIL import Image, ImageOps

from avatars.engines.gemini.conversation import IDENTITY_TEXT, REFERENCE_TEXT
from avatars.faces import analyse, embedding_distance
from avatars.identity_photos.services import identity_photo_create
from avatars.models import Avatar, Style, Turn
from avatars.selectors import turn_likeness_words
from avatars.services.avatars import avatar_create
from tests.conftest import encode, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_media")]


def alices_photos(alice, astronaut_512, count: int) -> list:
    """``count`` identity photos of the astronaut: the portrait, mirrored, cropped closer,
    warmer, smaller — each one passing the check."""
    width, height = astronaut_512.size
    made = [
        astronaut_512,
        ImageOps.mirror(astronaut_512),
        astronaut_512.crop((40, 0, width - 40, height - 60)),
        Image.blend(astronaut_512, Image.new("RGB", astronaut_512.size, (255, 200, 150)), 0.15),
        astronaut_512.resize((384, 384)),
    ][:count]
    return [
        identity_photo_create(owner=alice, upload=upload(encode(image, "JPEG", quality=92)))
        for image in made
    ]


def reference_texts(request) -> list[str]:
    return [t for t in request.texts("user") if t.startswith("Reference:")]


@pytest.mark.parametrize(
    ("model", "sent"), [("gemini-3.1-flash-image", 3), ("gemini-3-pro-image", 4)]
)
def test_gemini_receives_them_within_the_models_count_of_people(
    alice, astronaut_512, selfie_jpeg, gemini_settings, gemini_server, run_jobs, model, sent
):
    alices_photos(alice, astronaut_512, 5)
    with run_jobs():
        avatar_create(
            owner=alice,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="comics"),
            engine="gemini",
            model=model,
        )
    request = gemini_server.last
    # The selfie, then as many identity photos as the model keeps people (selfie included).
    assert len(request.images) == 1 + sent
    assert reference_texts(request) == [IDENTITY_TEXT] * sent
    parts = request.contents[0]["parts"]
    kinds = ["image" if "inlineData" in p else p["text"] for p in parts[1:]]
    assert kinds == ["image", *[IDENTITY_TEXT, "image"] * sent]


def test_without_identity_photos_gemini_receives_none(
    alice, selfie_jpeg, gemini_settings, gemini_server, run_jobs
):
    with run_jobs():
        avatar_create(
            owner=alice,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="comics"),
            engine="gemini",
        )
    assert len(gemini_server.last.images) == 1
    assert IDENTITY_TEXT not in gemini_server.last.texts("user")
    assert REFERENCE_TEXT not in gemini_server.last.texts("user")


def test_the_likeness_is_measured_against_every_photo_and_says_so(
    alice, alice_client, astronaut_512, selfie_jpeg, run_jobs
):
    photos = alices_photos(alice, astronaut_512, 3)
    with run_jobs():
        avatar = avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="vintage")
        )
    turn = Avatar.objects.get(pk=avatar.pk).current_turn
    assert turn.status == Turn.Status.SUCCEEDED and turn.likeness_photos == 3

    # The rule (avatars.identity): the mean of the distances to the selfie and each photo.
    with turn.image.open("rb") as fh:
        drawn = analyse(Image.open(fh).convert("RGB")).embedding
    selfie = Avatar.objects.get(pk=avatar.pk).source_faces["embedding"]
    embeddings = [selfie, *(p.faces["embedding"] for p in photos)]
    expected = sum(embedding_distance(tuple(e), drawn) for e in embeddings) / 4
    assert turn.likeness == pytest.approx(expected, abs=1e-6)

    words = turn_likeness_words(turn)
    assert words.endswith(", compared with your selfie and your 3 identity photos")
    assert words in alice_client.get(f"/avatars/{avatar.pk}/").content.decode()
    api = alice_client.get(f"/api/avatars/{avatar.pk}/").json()["turns"][0]
    assert (api["likeness_words"], api["likeness_photos"]) == (words, 3)


def test_without_identity_photos_the_likeness_is_to_the_selfie(alice, selfie_jpeg, run_jobs):
    with run_jobs():
        avatar = avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="vintage")
        )
    turn = Avatar.objects.get(pk=avatar.pk).current_turn
    assert turn.likeness is not None and turn.likeness_photos == 0
    level = ("strong likeness", "fair likeness", "weak likeness")
    assert turn_likeness_words(turn) in {f"{w}, compared with your photo" for w in level}


def test_takes_are_ranked_by_the_likeness_to_every_photo(
    alice, astronaut_512, selfie_jpeg, run_jobs
):
    alices_photos(alice, astronaut_512, 2)
    with run_jobs():
        avatar = avatar_create(
            owner=alice,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="vintage"),
            variants=3,
        )
    takes = list(Turn.objects.filter(avatar=avatar))
    assert len(takes) == 3 and all(t.likeness_photos == 2 for t in takes)
    best = min(takes, key=lambda t: t.likeness)
    assert Avatar.objects.get(pk=avatar.pk).current_turn_id == best.pk
