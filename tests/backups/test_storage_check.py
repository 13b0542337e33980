"""manage.py pixme_check_storage on local media: a clean store passes; a file a row names that
is gone or doesn't decode, and a file no row names, are each listed by name (exit 1);
``--fix`` deletes orphans only — after a yes at a terminal, or with ``--yes`` — and never
without someone to answer. (On S3: tests/scaleout/test_storage_check_s3.py.)"""

from __future__ import annotations

import os
import sys
import time

import pytest
from django.core.management import call_command

from tests.conftest import encode

HOURS_AGO = time.time() - 2 * 3600


def check(capsys, *args: str) -> tuple[int, str]:
    try:
        call_command("pixme_check_storage", *args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr().out


@pytest.fixture
def store(own_media, alice_avatar, face_photo):
    """Alice's finished avatar, one of its files lost, one broken, and two orphans: one left
    hours ago, one just written."""
    turn = alice_avatar.turns.get()
    lost, broken = turn.thumbnail.name, turn.image.name
    (own_media / lost).unlink()
    data = (own_media / broken).read_bytes()
    (own_media / broken).write_bytes(data[: len(data) // 2])
    old = own_media / "u1" / "turns" / "stray.png"
    old.write_bytes(encode(face_photo.resize((64, 64)), "PNG"))
    os.utime(old, (HOURS_AGO, HOURS_AGO))
    new = own_media / "left" / "behind.webp"
    new.parent.mkdir()
    new.write_bytes(b"RIFF half a file")
    return {
        "media": own_media,
        "turn": turn,
        "lost": lost,
        "broken": broken,
        "old": "u1/turns/stray.png",
        "new": "left/behind.webp",
    }


def test_a_clean_store_passes(own_media, alice_avatar, capsys):
    code, out = check(capsys)
    assert code == 0, out
    assert "Checked 4 files named by the database and 4 in storage: all there" in out


def test_it_names_every_file_concerned(store, capsys):
    code, out = check(capsys)
    assert code == 1
    turn = store["turn"]
    assert f"MISSING    {store['lost']}  (named by avatars.Turn #{turn.pk} thumbnail)" in out
    assert f"UNREADABLE {store['broken']}  (it doesn't decode as a picture" in out
    assert f"ORPHAN     {store['old']}  (" in out and ", 2 h old)" in out
    assert f"ORPHAN     {store['new']}  (16 bytes" in out
    assert "4 problem(s) — 1 missing, 1 unreadable, 2 orphaned" in out


def test_fix_with_no_one_to_answer_deletes_nothing(store, capsys):
    assert not sys.stdin.isatty()  # pytest's: as under cron or a pipe
    code, out = check(capsys, "--fix")
    assert code == 1
    assert "Nothing deleted: there is no one at a terminal to confirm" in out
    assert (store["media"] / store["old"]).exists() and (store["media"] / store["new"]).exists()


def test_fix_yes_deletes_old_orphans_only(store, capsys, settings):
    media = store["media"]
    code, out = check(capsys, "--fix", "--yes")
    assert code == 1  # it found problems, even if it then fixed one
    assert f"deleted    {store['old']}" in out
    assert f"kept       {store['new']} (younger than 60 minutes)" in out
    assert not (media / store["old"]).exists() and (media / store["new"]).exists()
    assert (media / store["broken"]).exists()  # a broken file is reported, never deleted
    store["turn"].refresh_from_db()  # …and no row is touched
    assert store["turn"].thumbnail.name == store["lost"]

    settings.PIXME_ORPHAN_MIN_AGE_MINUTES = 0
    code, out = check(capsys, "--fix", "--yes")
    assert f"deleted    {store['new']}" in out
    assert not (media / "left").exists()  # the folder it leaves empty goes too
    code, out = check(capsys)
    assert code == 1 and "ORPHAN" not in out and "MISSING" in out


@pytest.mark.parametrize(("answer", "deleted"), [(b"y\n", True), (b"n\n", False), (b"", False)])
def test_fix_asks_at_a_terminal(store, capsys, settings, monkeypatch, answer, deleted):
    settings.PIXME_ORPHAN_MIN_AGE_MINUTES = 0
    controller, terminal = os.openpty()
    with os.fdopen(terminal, "r") as stdin, os.fdopen(controller, "wb", buffering=0) as keys:
        monkeypatch.setattr(sys, "stdin", stdin)
        keys.write(answer or b"\x04")  # Ctrl-D: end of input
        code, out = check(capsys, "--fix")
    assert code == 1
    assert "Delete these 2 orphan file(s)? No row names them. [y/N]" in out
    assert (store["media"] / store["old"]).exists() is not deleted
    assert (store["media"] / store["new"]).exists() is not deleted
    assert ("Deleted 2 orphan file(s)." in out) is deleted


def test_a_picture_is_decoded_not_only_found(own_media, alice_avatar, capsys):
    selfie = own_media / alice_avatar.source.name
    selfie.write_bytes(selfie.read_bytes()[:-5000])  # a copy that stopped short
    version = own_media / alice_avatar.turns.get().image.name
    data = bytearray(version.read_bytes())
    data[len(data) // 2] ^= 0x01  # same size, one bit flipped inside
    version.write_bytes(bytes(data))
    code, out = check(capsys)
    assert code == 1
    assert f"UNREADABLE {alice_avatar.source.name}  (it doesn't decode" in out
    assert f"UNREADABLE {version.relative_to(own_media)}  (it doesn't decode" in out


def test_no_files_and_no_rows_is_clean(own_media, db, capsys):
    code, out = check(capsys)
    assert code == 0 and "Checked 0 files" in out


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["pixme_check_storage"], "has not been set up yet. Run `python manage.py migrate` first"),
        (["pixme_backup", "{out}"], "There is no database at {db} to back up."),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else "",
)
def test_a_data_directory_never_set_up_says_so(tmp_path, command, says):
    from tests.avatars.test_pixme_render import run_cli

    var = tmp_path / "var"
    name, *args = (a.format(out=tmp_path / "pixme.tar") for a in command)
    done = run_cli(
        *args,
        command=name,
        DJANGO_SETTINGS_MODULE="pixme.settings",
        PIXME_VAR_DIR=str(var),
        DATABASE_URL="",
        REDIS_URL="",
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert says.format(db=var / "pixme.sqlite3") in done.stderr
    assert not (tmp_path / "pixme.tar").exists()
