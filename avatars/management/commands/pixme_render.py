"""Render one file from the shell, with a progress bar:

    python manage.py pixme_render INPUT --style SLUG -o OUTPUT.png
        [--engine studio|gemini] [--model NAME] [--user USERNAME] [--edit "…"]…
        [--style-strength 0-100] [--reel REEL.webp|.gif] [--cutout CUTOUT.png|.webp [--outline N]]

``--style-strength`` is "more me ↔ more style": 0 as close to the photo as the style allows,
100 the strongest style, 50 (the default) the style as it always was; edits keep it too.
``--user`` sends that user's profile (and chosen reference versions) as context, exactly as
the site does; each ``--edit`` is one more turn of the same conversation.

It applies the same upload checks as the site, offers the same models with the same limits,
and retries a busy or failing engine by the jobs' policy (``engines.base.retry_wait``), the
wait counting down on the progress bar. A refused file or a failed render exits non-zero with
the same one-line message the site shows, and writes no output.

Every file it writes carries Content Credentials like the site's: each version is signed in
turn (``c2pa.created`` for the first, ``c2pa.edited`` with the one before as its parent), so
the PNG carries the whole chain; the reel and the cut-out name the last version as their
parent. An image the model signed (C2PA) is kept inside ours as a component, as the site does.
If signing fails the file is written unsigned, with a warning.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from accounts.services import profile_for_user
from avatars import images, person
from avatars.cutouts.services import MAX_OUTLINE, cutout_encode, picture_cutout
from avatars.engines.base import (
    ENGINES,
    MAX_ATTEMPTS,
    STYLE_STRENGTH_DEFAULT,
    Engine,
    EngineError,
    HistoryItem,
    ProfileContext,
    RenderRequest,
    RenderResult,
    get_engine,
    retry_wait,
    style_strength_check,
)
from avatars.faces import analyse, likeness, likeness_words
from avatars.models import Style
from avatars.provenance.keys import SigningFailed
from avatars.provenance.services import COMPOSITE, Parent, sign
from avatars.reels.encode import reel_encode
from avatars.services.avatars import engine_check, engine_options_check, source_normalise
from avatars.services.context import profile_context, profile_references
from avatars.services.limits import instruction_check
from pixme.commands import migrated_database_check
from pixme.errors import ApplicationError
from pixme.numbers import parse_int


@dataclass(frozen=True)
class Signed:
    data: bytes
    title: str


def _meta(render: dict[str, str]) -> dict[str, str]:
    return {"engine": render["engine"], "style": render["style"], "model": render["model"]}


def _writable(name: str, example: str) -> Path:
    """The path ``name``, checked before any drawing: a typo mustn't cost a whole render."""
    where = Path(name)
    if where.is_dir():
        raise ApplicationError(f"{where} is a folder; give a file name like {example}.")
    folder = where.parent if str(where.parent) else Path(".")
    if not folder.is_dir():
        raise ApplicationError(f"There's no folder {folder} to write {where.name} into.")
    if not os.access(folder, os.W_OK):
        raise ApplicationError(f"Can't write into {folder}.")
    return where


class Command(BaseCommand):
    help = "Turn one photo into an avatar (the same checks and engines as the site)."

    def add_arguments(self, parser):
        parser.add_argument("input", help="a photo: JPEG, PNG, WebP, HEIC, AVIF or GIF")
        parser.add_argument("--style", required=True, help="style slug, e.g. comics")
        parser.add_argument(
            "-o", "--output", default="", help="where to write the PNG (optional with --cutout)"
        )
        parser.add_argument("--engine", default="studio", choices=sorted(ENGINES))
        parser.add_argument("--model", default="")
        parser.add_argument(
            "--edit", action="append", default=[], help='an edit, e.g. "add glasses"; repeatable'
        )
        parser.add_argument("--aspect-ratio", default="", help="e.g. 1:1, 3:4, 16:9")
        parser.add_argument("--image-size", default="", help="1K, 2K or 4K (as the model offers)")
        parser.add_argument("--user", default="", help="send this user's profile as context")
        parser.add_argument(
            "--style-strength",
            default=str(STYLE_STRENGTH_DEFAULT),
            help="0 (as close to the photo as the style allows) to 100 (the strongest style); "
            f"default {STYLE_STRENGTH_DEFAULT}",
        )
        parser.add_argument(
            "--reel",
            default="",
            help="also write the reel of the chain (selfie → each version): OUT.webp or OUT.gif",
        )
        parser.add_argument(
            "--cutout",
            default="",
            help="also write the last version's person on a transparent ground: OUT.png or "
            "OUT.webp",
        )
        parser.add_argument(
            "--outline",
            default="0",
            help=f"the cut-out's white die-cut border, 0-{MAX_OUTLINE} px (default 0)",
        )

    def handle(self, *args, **opts):
        try:
            self._render(opts)
        except (ApplicationError, EngineError) as exc:
            raise CommandError(exc.message) from None

    def _render(self, opts) -> None:
        path = Path(opts["input"])
        if not path.is_file():
            raise ApplicationError(f"There's no file at {path}.")
        # Checked before any drawing, so a typo doesn't cost a whole render.
        output = _writable(opts["output"], "out.png") if opts["output"] else None
        reel = _writable(opts["reel"], "reel.webp") if opts["reel"] else None
        cutout = _writable(opts["cutout"], "cutout.png") if opts["cutout"] else None
        if output is None and cutout is None:
            raise ApplicationError("Say where to write: -o OUT.png, --cutout OUT.png, or both.")
        strength = style_strength_check(opts["style_strength"])
        if reel is not None and reel.suffix.lower() not in (".webp", ".gif"):
            raise ApplicationError("The reel is written as .webp or .gif; name it like reel.webp.")
        if cutout is not None and cutout.suffix.lower() not in (".png", ".webp"):
            raise ApplicationError(
                "The cut-out is written as .png or .webp; name it like cutout.png."
            )
        outline = parse_int(opts["outline"], high=MAX_OUTLINE, name="The outline")
        if outline and cutout is None:
            raise ApplicationError("--outline is the cut-out's border: give --cutout OUT.png too.")
        # The file is checked first: it is what a person most often gets wrong.
        with path.open("rb") as fh:
            source = source_normalise(upload=fh).image
        migrated_database_check()  # after the arguments: they are checked without it
        style = Style.objects.filter(slug=opts["style"]).first()
        if style is None:
            slugs = ", ".join(Style.objects.values_list("slug", flat=True))
            raise ApplicationError(f"There's no style {opts['style']!r}. Choose one of: {slugs}.")
        for text in opts["edit"]:
            instruction_check(instruction=text)
        engine_check(engine=opts["engine"], style=style)
        model, aspect_ratio, image_size = engine_options_check(
            engine=opts["engine"],
            model=opts["model"],
            aspect_ratio=opts["aspect_ratio"],
            image_size=opts["image_size"],
        )
        profile, references = ProfileContext(), []
        if opts["user"]:
            user = User.objects.filter(username=opts["user"]).first()
            if user is None:
                raise ApplicationError(f"There's no user {opts['user']!r}.")
            profile_row = profile_for_user(user=user)
            profile = profile_context(profile=profile_row)
            references = profile_references(profile=profile_row)
        engine = get_engine(opts["engine"])
        turns = [("", "generate")] + [(text, "edit") for text in opts["edit"]]
        history: list[HistoryItem] = []
        faces = analyse(source)
        if faces.note:
            self.stderr.write(faces.note)
        bar = tqdm(
            total=100 * len(turns),
            unit="%",
            file=sys.stderr,
            disable=None,
            bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} [{elapsed}]",
        )
        result = None
        try:
            for index, (instruction, kind) in enumerate(turns):
                done_before = 100 * index
                label = f"{kind} {index + 1}/{len(turns)}"

                def progress(
                    stage, percent, message=None, text_delta=None, _base=done_before, _label=label
                ):
                    bar.set_description_str(f"{_label}: {stage}")
                    bar.n = _base + percent
                    bar.refresh()

                request = RenderRequest(
                    source=source,
                    style_slug=style.recipe,
                    style_prompt=style.prompt_template,
                    instruction=instruction,
                    kind=kind,
                    base_image=result.image if result else None,
                    history=list(history),
                    faces=faces,
                    profile=profile,
                    references=references,
                    model=model,
                    aspect_ratio=aspect_ratio,
                    image_size=image_size,
                    style_strength=strength,
                )
                result = self._render_with_retries(engine, request, progress, bar, label)
                history.append(
                    HistoryItem(
                        instruction=instruction,
                        model_text=result.text,
                        image=result.image,
                        model_content=result.model_content,
                    )
                )
                bar.n = done_before + 100
                bar.refresh()
        finally:
            bar.close()
        render = {"engine": opts["engine"], "model": result.model or opts["engine"]}
        render["style"] = style.slug
        files = {}  # where → bytes: written together at the end, once nothing can fail
        last = self._chain_signed(history, style, render, result)
        if output is not None:
            files[output] = last.data
        parent = Parent(last.data, "image/png", last.title)
        if cutout is not None:
            mask = person.find(result.image)
            if not mask.found:
                raise ApplicationError(
                    "We couldn't find a person in the picture to cut out; nothing was written."
                )
            fmt = cutout.suffix.lower()[1:]
            picture = picture_cutout(image=result.image, mask=mask, outline=outline)
            data = cutout_encode(picture, fmt=fmt, **_meta(render))
            files[cutout] = self._signed(
                data, mime=f"image/{fmt}", title=f"{last.title}, cut out", render=render,
                parent=parent,
            )  # fmt: skip
        if reel is not None:
            mime = f"image/{reel.suffix.lower()[1:]}"
            files[reel] = reel_encode(
                [source, *(item.image for item in history)],
                fmt=mime.split("/")[1],
                finish=lambda data: self._signed(
                    data, mime=mime, title=f"{last.title}, reel", render=render, parent=parent,
                    source_type=COMPOSITE,
                ),
                **_meta(render),
            )  # fmt: skip
        for where, data in files.items():
            where.write_bytes(data)
        if reel is not None:
            self.stdout.write(f"Wrote the reel {reel} ({len(history)} versions).")
        if cutout is not None:
            self.stdout.write(f"Wrote the cut-out {cutout}.")
        distance = likeness(faces, result.image) if faces.embedding else None
        self.stdout.write(f"{result.text}".strip())
        wrote = f"Wrote {output} " if output is not None else "Drew it "
        self.stdout.write(
            f"{wrote}({result.image.width}×{result.image.height}); "
            f"{likeness_words(distance)}" + (f" ({distance:.2f})" if distance is not None else "")
        )

    def _chain_signed(self, history, style, render, result) -> Signed:
        """Each version's PNG signed in turn, the one before as its parent: the last carries
        the whole chain, as a site version's does."""
        parent = None
        for number, item in enumerate(history, start=1):
            title = f"{style.name} avatar, version {number}"
            provider = number == len(history) and result.original_type == "image/png"
            if provider:  # signed (C2PA) by the model: kept inside ours, not re-encoded
                data = result.original
                self.stderr.write("Kept the model's signed original (C2PA) inside ours.")
            else:
                data = images.encode_png(item.image, **_meta(render))
            component = Parent(data, "image/png", f"{render['model']} output") if provider else None
            data = self._signed(
                data, mime="image/png", title=title, render=render, parent=parent,
                component=component,
            )  # fmt: skip
            parent = Parent(data, "image/png", title)
        return Signed(parent.data, parent.title)

    def _signed(self, data: bytes, **manifest) -> bytes:
        """``data`` with Content Credentials, or as it was (with a warning) when signing fails:
        a render is never lost to them."""
        try:
            return sign(data, **manifest)
        except SigningFailed as exc:
            self.stderr.write(f"Couldn't add Content Credentials ({exc}); written unsigned.")
            return data

    def _render_with_retries(
        self, engine: Engine, request: RenderRequest, progress, bar: tqdm, label: str
    ) -> RenderResult:
        """Render as a job does: a transient failure is tried again after the same wait."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return engine.render(request, progress)
            except EngineError as exc:
                delay = retry_wait(exc, attempt)
                if delay is None:
                    raise
                tqdm.write(
                    f"{exc.message} Retrying in {math.ceil(delay)} s "
                    f"(attempt {attempt + 1} of {MAX_ATTEMPTS}).",
                    file=sys.stderr,
                )
                end = time.monotonic() + delay
                while (left := end - time.monotonic()) > 0:
                    bar.set_description_str(f"{label}: waiting {math.ceil(left)} s")
                    time.sleep(min(1.0, left))
        raise AssertionError("unreachable")
