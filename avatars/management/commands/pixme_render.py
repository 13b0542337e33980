"""Render one file from the shell, with a progress bar:

    python manage.py pixme_render INPUT --style SLUG -o OUTPUT.png
        [--engine studio|gemini] [--model NAME] [--user USERNAME] [--edit "…"]…
        [--style-strength 0-100]

``--style-strength`` is "more me ↔ more style": 0 as close to the photo as the style allows,
100 the strongest style, 50 (the default) the style as it always was; edits keep it too.
``--user`` sends that user's profile (and chosen reference versions) as context, exactly as
the site does; each ``--edit`` is one more turn of the same conversation.

It applies the same upload checks as the site, offers the same models with the same limits,
and retries a busy or failing engine by the jobs' policy (``engines.base.retry_wait``), the
wait counting down on the progress bar. A refused file or a failed render exits non-zero with
the same one-line message the site shows, and writes no output. An image the model signed
(C2PA) is written as it came.
"""

from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from accounts.services import profile_for_user
from avatars import images
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
from avatars.reels.encode import reel_encode
from avatars.services.avatars import engine_check, engine_options_check, source_normalise
from avatars.services.context import profile_context, profile_references
from avatars.services.limits import instruction_check
from pixme.commands import migrated_database_check
from pixme.errors import ApplicationError


class Command(BaseCommand):
    help = "Turn one photo into an avatar (the same checks and engines as the site)."

    def add_arguments(self, parser):
        parser.add_argument("input", help="a photo: JPEG, PNG, WebP, HEIC, AVIF or GIF")
        parser.add_argument("--style", required=True, help="style slug, e.g. comics")
        parser.add_argument("-o", "--output", required=True, help="where to write the PNG")
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

    def handle(self, *args, **opts):
        try:
            self._render(opts)
        except (ApplicationError, EngineError) as exc:
            raise CommandError(exc.message) from None

    def _render(self, opts) -> None:
        path = Path(opts["input"])
        output = Path(opts["output"])
        if not path.is_file():
            raise ApplicationError(f"There's no file at {path}.")
        # Checked before any drawing, so a typo doesn't cost a whole render.
        if output.is_dir():
            raise ApplicationError(f"{output} is a folder; give a file name like out.png.")
        folder = output.parent if str(output.parent) else Path(".")
        if not folder.is_dir():
            raise ApplicationError(f"There's no folder {folder} to write {output.name} into.")
        if not os.access(folder, os.W_OK):
            raise ApplicationError(f"Can't write into {folder}.")
        strength = style_strength_check(opts["style_strength"])
        reel = Path(opts["reel"]) if opts["reel"] else None
        if reel is not None and reel.suffix.lower() not in (".webp", ".gif"):
            raise ApplicationError("The reel is written as .webp or .gif; name it like reel.webp.")
        if reel is not None and not (reel.parent if str(reel.parent) else Path(".")).is_dir():
            raise ApplicationError(f"There's no folder {reel.parent} to write {reel.name} into.")
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
        if result.original_type == "image/png":  # signed (C2PA): a re-encode would drop it
            output.write_bytes(result.original)
            self.stderr.write("Kept the model's signed original (C2PA) as it came.")
        else:
            output.write_bytes(
                images.encode_png(
                    result.image, engine=opts["engine"], style=style.slug, model=result.model
                )
            )
        if reel is not None:
            reel.write_bytes(
                reel_encode(
                    [source, *(item.image for item in history)],
                    fmt=reel.suffix.lower()[1:],
                    engine=opts["engine"],
                    style=style.slug,
                    model=result.model or opts["engine"],
                )
            )
            self.stdout.write(f"Wrote the reel {reel} ({len(history)} versions).")
        distance = likeness(faces, result.image) if faces.embedding else None
        self.stdout.write(f"{result.text}".strip())
        self.stdout.write(
            f"Wrote {output} ({result.image.width}×{result.image.height}); "
            f"{likeness_words(distance)}" + (f" ({distance:.2f})" if distance is not None else "")
        )

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
