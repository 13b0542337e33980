"""`manage.py pixme_render`: the same checks and engine as the site, from the shell."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from tests.conftest import encode

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


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


def run_cli(*args, cwd=ROOT):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", "pixme_render", *args],
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
