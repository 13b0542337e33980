"""Render every style from one photo: the style cards' images and docs/samples/.

python manage.py pixme_samples PHOTO [--docs docs/samples] [--static static/styles]

Also writes ``chain.png`` to the docs: one Comics avatar and the edits of
:data:`CHAIN` applied one after another, side by side; and ``reel.webp``, the same chain as
the animated reel the site makes (the selfie, then each version).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from avatars import images
from avatars.engines.base import HistoryItem, RenderRequest, get_engine
from avatars.faces import analyse, likeness
from avatars.models import Style
from avatars.reels.encode import reel_encode
from avatars.services.avatars import source_normalise
from pixme.commands import MigratedDatabaseRequired
from pixme.errors import ApplicationError

CHAIN = (
    "add round glasses",
    "make the lighting warmer",
    "put a sunset in the background",
    'add a crown and write "Ada" at the bottom',
)


class Command(MigratedDatabaseRequired, BaseCommand):
    help = "Render every enabled style from one photo (samples for the site and the docs)."

    def add_arguments(self, parser):
        parser.add_argument("photo")
        parser.add_argument("--docs", default=str(settings.BASE_DIR / "docs" / "samples"))
        parser.add_argument("--static", default=str(settings.BASE_DIR / "static" / "styles"))
        parser.add_argument("--size", type=int, default=1024, help="square side to render at")

    def handle(self, *args, **opts):
        try:
            with open(opts["photo"], "rb") as fh:
                source = source_normalise(upload=fh).image
        except (OSError, ApplicationError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from None
        side = opts["size"]
        source = source.resize((side, side))
        faces = analyse(source)
        docs, static = Path(opts["docs"]), Path(opts["static"])
        docs.mkdir(parents=True, exist_ok=True)
        static.mkdir(parents=True, exist_ok=True)
        engine = get_engine("studio")
        styles = [s for s in Style.objects.filter(enabled=True) if engine.supports_style(s.recipe)]
        rows = []
        for style in tqdm(styles, file=sys.stderr, unit="style", disable=None):
            started = time.perf_counter()
            result = engine.render(
                RenderRequest(source=source, style_slug=style.recipe, faces=faces)
            )
            seconds = time.perf_counter() - started
            distance = likeness(faces, result.image)
            meta = {"engine": "studio", "style": style.slug, "model": result.model}
            # BOX keeps pixel-art blocks crisp (an exact 2× reduction) and is fine for the rest.
            small = result.image.resize((512, 512), images.Image.Resampling.BOX)
            (docs / f"{style.slug}.png").write_bytes(images.encode_png(small, **meta))
            (static / f"{style.slug}.webp").write_bytes(
                images.encode_webp(images.thumbnail(result.image), quality=80, **meta)
            )
            rows.append((style.slug, seconds, distance))
        self._chain(engine, source, faces, docs)
        self.stdout.write(f"{'style':15} {'seconds':>8} {'likeness':>9}")
        for slug, seconds, distance in rows:
            shown = f"{distance:.2f}" if distance is not None else "no face"
            self.stdout.write(f"{slug:15} {seconds:8.2f} {shown:>9}")

    def _chain(self, engine, source, faces, docs: Path) -> None:
        """A Comics avatar, then each edit of CHAIN on the one before: docs/chain.png."""
        current = engine.render(RenderRequest(source=source, style_slug="comics", faces=faces))
        frames, history = [current.image], [HistoryItem("", current.text, current.image)]
        for instruction in tqdm(CHAIN, file=sys.stderr, unit="edit", disable=None):
            current = engine.render(
                RenderRequest(
                    source=source,
                    style_slug="comics",
                    kind="edit",
                    instruction=instruction,
                    base_image=current.image,
                    history=list(history),
                    faces=faces,
                )
            )
            history.append(HistoryItem(instruction, current.text, current.image))
            frames.append(current.image)
        side = 384
        strip = images.Image.new("RGB", (side * len(frames), side), "white")
        for i, frame in enumerate(frames):
            strip.paste(frame.resize((side, side), images.Image.Resampling.LANCZOS), (i * side, 0))
        meta = {"engine": "studio", "style": "comics", "model": "studio"}
        (docs / "chain.png").write_bytes(images.encode_png(strip, **meta))
        (docs / "reel.webp").write_bytes(reel_encode([source, *frames], fmt="webp", **meta))
        self.stdout.write("chain: " + " → ".join(("comics", *CHAIN)))
