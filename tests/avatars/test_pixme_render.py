"""`manage.py pixme_render`: the same checks and engine as the site, from the shell."""

import io
import os
import re
import subprocess
import sys
import time

import pytest
from django.core.management import CommandError, call_command
from PIL import Image
from tqdm import tqdm

from avatars.provenance.verify import verify
from tests.conftest import encode
from tests.liveserver import ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def selfie_file(tmp_path, selfie_jpeg):
    path = tmp_path / "selfie.jpg"
    path.write_bytes(selfie_jpeg)
    return path


def test_it_renders_a_file(selfie_file, tmp_path, capsys):
    out = tmp_path / "out.png"
    call_command("pixme_render", str(selfie_file), "--style", "zombie", "-o", str(out))
    with Image.open(out) as im:
        assert im.size == (1024, 1024)
        assert im.text["Style"] == "zombie"
    assert "Wrote" in capsys.readouterr().out


def test_an_unknown_style_is_refused(selfie_file, tmp_path):
    out = tmp_path / "out.png"
    with pytest.raises(CommandError, match="There's no style 'nope'"):
        call_command("pixme_render", str(selfie_file), "--style", "nope", "-o", str(out))
    assert not out.exists()


def run_cli(*args, cwd=ROOT, command="pixme_render", **env):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", **env}
    return subprocess.run(
        [sys.executable, "manage.py", command, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "This file is empty"),
        (b"GIF89a-but-not-really" * 20, "isn't a photo we can read"),
        ("bomb", "the limit is 40 megapixels"),
    ],
)
def test_a_refused_file_exits_non_zero_with_one_line_and_no_output(tmp_path, data, message):
    if data == "bomb":
        data = encode(Image.new("1", (10_000, 10_000)), "PNG", optimize=True)
    src = tmp_path / "in.jpg"
    src.write_bytes(data)
    out = tmp_path / "out.png"
    # The test database isn't visible to a subprocess; it uses the styles of a migrated db.
    result = run_cli(str(src), "--style", "comics", "-o", str(out))
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("where", "says"), [("missing-folder/out.png", "no folder"), (".", "is a folder")]
)
def test_a_bad_output_path_is_refused_before_drawing(selfie_file, tmp_path, where, says):
    with pytest.raises(CommandError, match=says):
        call_command(
            "pixme_render", str(selfie_file), "--style", "comics", "-o", str(tmp_path / where)
        )


# --- Gemini from the shell: the site's limits and the jobs' retries -------------------------


def render_gemini(selfie_file, out, *extra):
    call_command(
        "pixme_render", str(selfie_file), "--style", "comics", "-o", str(out), "--engine",
        "gemini", *extra,
    )  # fmt: skip


def test_gemini_waits_out_a_busy_answer_like_a_job_does(
    selfie_file, tmp_path, gemini_settings, gemini_server, capsys
):
    gemini_settings.PIXME_RETRY_BACKOFF = (0.1, 0.1)
    gemini_settings.PIXME_RETRY_MAX_WAIT = 0.3  # the server asks for 7 s; the policy caps it
    gemini_server.script("429", retry_delay="7s")
    out = tmp_path / "out.png"
    started = time.monotonic()
    render_gemini(selfie_file, out)
    assert 0.3 <= time.monotonic() - started < 5
    assert [r.behaviour for r in gemini_server.requests] == ["429", "ok"]
    err = capsys.readouterr().err
    assert (
        "Gemini is busy right now; try again in 7 seconds. Retrying in 1 s (attempt 2 of 3)." in err
    )
    with Image.open(out) as im:
        assert im.text["Engine"] == "gemini"


def test_the_bar_counts_the_wait_down(
    selfie_file, tmp_path, gemini_settings, gemini_server, monkeypatch
):
    gemini_settings.PIXME_RETRY_MAX_WAIT = 1.5
    gemini_server.script("429", retry_delay="1.5s")
    shown = []
    original = tqdm.set_description_str

    def watch(bar, desc=None, refresh=True):
        shown.append(desc)
        return original(bar, desc, refresh)

    monkeypatch.setattr(tqdm, "set_description_str", watch)  # the library's bar, not ours
    render_gemini(selfie_file, tmp_path / "out.png")
    assert "generate 1/1: waiting 2 s" in shown and "generate 1/1: waiting 1 s" in shown


def test_gemini_gives_up_after_the_jobs_three_tries(
    selfie_file, tmp_path, gemini_settings, gemini_server
):
    gemini_server.script("500", times=6)  # two SDK tries in each of our three
    out = tmp_path / "out.png"
    with pytest.raises(CommandError, match="Gemini is having trouble right now"):
        render_gemini(selfie_file, out)
    assert len(gemini_server.requests) == 6 and not out.exists()


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (
            ["--model", "gemini-3.1-flash-lite-image", "--image-size", "2K"],
            "gemini-3.1-flash-lite-image can't draw at 2K. It offers: 1K.",
        ),
        (["--model", "gemini-3-pro-image", "--aspect-ratio", "8:1"], "can't draw a 8:1 picture"),
        (["--model", "dall-e-3"], "Unknown Gemini model"),
    ],
)
def test_gemini_options_the_model_cant_take_are_refused_before_sending(
    selfie_file, tmp_path, gemini_settings, gemini_server, extra, says
):
    out = tmp_path / "out.png"
    with pytest.raises(CommandError, match=re.escape(says)):
        render_gemini(selfie_file, out, *extra)
    assert not gemini_server.requests and not out.exists()


def test_gemini_lite_at_its_extreme_shape_and_its_signed_original(
    selfie_file, tmp_path, gemini_settings, gemini_server, capsys
):
    gemini_server.script("signed")
    out = tmp_path / "out.png"
    render_gemini(
        selfie_file, out, "--model", "gemini-3.1-flash-lite-image", "--aspect-ratio", "8:1"
    )
    assert gemini_server.last.image_config == {"aspectRatio": "8:1"}
    # Not re-encoded: the model's picture, with our credentials over its own.
    with Image.open(out) as ours, Image.open(io.BytesIO(gemini_server.last.answered_image)) as its:
        assert ours.tobytes() == its.tobytes()
    result = verify(out.read_bytes(), mime="image/png")
    assert result.verdict == "trusted" and result.chain[0].title == "Comics avatar, version 1"
    assert "Kept the model's signed original (C2PA) inside ours." in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [
        ["pixme_render", "{photo}", "--style", "comics", "-o", "{out}"],
        ["pixme_samples", "{photo}"],
        ["pixme_recover"],
        ["pixme_worker", "--max-tasks", "1"],
        ["pixme_check_storage"],
    ],
    ids=lambda command: command[0],
)
def test_a_database_never_migrated_says_what_to_run(tmp_path, selfie_file, command):
    """A newcomer's first command on a fresh data directory: one line saying what to run,
    no traceback, nothing written."""
    name, *args = (a.format(photo=selfie_file, out=tmp_path / "out.png") for a in command)
    done = run_cli(
        *args,
        command=name,
        DJANGO_SETTINGS_MODULE="pixme.settings",
        PIXME_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL="",
        REDIS_URL="",
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"CommandError: The database at {tmp_path / 'var' / 'pixme.sqlite3'} has not been set "
        "up yet. Run `python manage.py migrate` first (it makes the tables and the styles)."
    )
    assert not (tmp_path / "out.png").exists()


def test_style_strength_moves_the_picture_between_the_photo_and_the_style(selfie_file, tmp_path):
    made = {}
    for strength in ("0", "50", "100", None):
        out = tmp_path / f"{strength}.png"
        extra = ["--style-strength", strength] if strength is not None else []
        call_command("pixme_render", str(selfie_file), "--style", "vintage", "-o", str(out), *extra)
        with Image.open(out) as im:
            made[strength] = im.convert("RGB").tobytes()
    assert made["50"] == made[None], "50 is the default"
    assert len({made["0"], made["50"], made["100"]}) == 3


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("150", "The style strength goes from 0 (more like your photo) to 100 (more style)"),
        ("-3", "not -3"),
        ("lots", "a whole number from 0"),
    ],
)
def test_a_style_strength_outside_0_to_100_is_refused_and_nothing_written(
    selfie_file, tmp_path, value, message
):
    out = tmp_path / "out.png"
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command(
            "pixme_render", str(selfie_file), "--style", "comics", "-o", str(out),
            "--style-strength", value,
        )  # fmt: skip
    assert not out.exists()


# --- every file it writes is signed; the cut-out ---------------------------------------------


def test_every_file_it_writes_carries_its_chain_of_credentials(selfie_file, tmp_path, capsys):
    out, reel, cutout = tmp_path / "out.png", tmp_path / "reel.gif", tmp_path / "cut.webp"
    call_command(
        "pixme_render", str(selfie_file), "--style", "comics", "--edit", "make it warmer",
        "-o", str(out), "--reel", str(reel), "--cutout", str(cutout), "--outline", "12",
    )  # fmt: skip
    versions = ["Comics avatar, version 2", "Comics avatar, version 1"]
    for path, mime, own in (
        (out, "image/png", []),
        (reel, "image/gif", ["Comics avatar, version 2, reel"]),
        (cutout, "image/webp", ["Comics avatar, version 2, cut out"]),
    ):
        result = verify(path.read_bytes(), mime=mime)
        assert result.verdict == "trusted", (path, result.problems)
        assert [link.title for link in result.chain] == own + versions
        assert result.chain[-1].actions == ["c2pa.created"]
    with Image.open(cutout) as im:
        assert im.mode == "RGBA" and im.size == (1024 + 26, 1024 + 26)  # 12 px, and its edge
        assert im.getchannel("A").getextrema() == (0, 255)
    assert f"Wrote the cut-out {cutout}." in capsys.readouterr().out


def test_a_cutout_alone_needs_no_o(selfie_file, tmp_path, capsys):
    cutout = tmp_path / "cut.png"
    call_command("pixme_render", str(selfie_file), "--style", "anime", "--cutout", str(cutout))
    with Image.open(cutout) as im:
        assert im.format == "PNG" and im.mode == "RGBA" and im.size == (1024, 1024)
        assert im.text["AI-Generated"] == "true"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.png", "selfie.jpg"]
    assert "Drew it (1024×1024)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "Say where to write: -o OUT.png, --cutout OUT.png, or both."),
        (["--cutout", "{tmp}/cut.jpg"], "The cut-out is written as .png or .webp"),
        (["--cutout", "{tmp}/cut.png", "--outline", "65"], "The outline must be a whole number"),
        (["-o", "{tmp}/out.png", "--outline", "8"], "--outline is the cut-out's border"),
        (["--cutout", "{tmp}/nowhere/cut.png"], "There's no folder"),
    ],
)
def test_cutout_arguments_are_checked_before_drawing(selfie_file, tmp_path, args, says):
    args = [a.format(tmp=tmp_path) for a in args]
    started = time.monotonic()
    with pytest.raises(CommandError, match=re.escape(says)):
        call_command("pixme_render", str(selfie_file), "--style", "comics", *args)
    assert time.monotonic() - started < 2  # refused before any drawing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["selfie.jpg"]


def test_a_picture_with_nobody_in_it_writes_no_cutout_and_nothing_else(tmp_path):
    import numpy as np

    rng = np.random.default_rng(3)
    noise = Image.fromarray(rng.integers(0, 40, (600, 600, 3), dtype=np.uint8))
    photo = tmp_path / "wall.png"
    noise.save(photo)
    out, cutout = tmp_path / "out.png", tmp_path / "cut.png"
    with pytest.raises(CommandError, match="couldn't find a person"):
        call_command(
            "pixme_render", str(photo), "--style", "pop-art", "-o", str(out),
            "--cutout", str(cutout),
        )  # fmt: skip
    assert not out.exists() and not cutout.exists()
