"""Which Gemini image models this key can use, and whether the configured ones are among them:

    python manage.py pixme_models

Run it after changing ``GEMINI_API_KEY``, ``GEMINI_MODELS`` or ``GEMINI_BASE_URL``. It asks
Google (``models.list``), keeps the models that make images, and marks each configured model
present or missing. It exits non-zero when the default model (the first) is missing: then
every Gemini render on the site would fail.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from avatars.engines.base import EngineError, get_engine
from avatars.engines.gemini import model_table as gemini_models


class Command(BaseCommand):
    help = "List the Gemini image models this key can use; check GEMINI_MODELS against them."

    def handle(self, *args, **opts):
        engine = get_engine("gemini")
        if not engine.configured():
            raise CommandError("GEMINI_API_KEY is not set: there is no Gemini to ask.")
        try:
            available = engine.available_models()
        except EngineError as exc:
            raise CommandError(f"Gemini didn't list its models: {exc.detail}") from None
        configured = engine.models()

        self.stdout.write(f"Image models this key can use ({len(available)}):")
        for name in available:
            spec = gemini_models.MODELS.get(name)
            note = self._limits(spec) if spec else "not in Pix Me!'s table"
            if gemini_models.replacement(name):
                note = f"retired: Pix Me! uses {gemini_models.replacement(name)} instead"
            self.stdout.write(f"  {name:<32} {note}")

        self.stdout.write("Configured (GEMINI_MODELS; the first is the default):")
        for old in settings.GEMINI_MODELS:
            new = gemini_models.replacement(old)
            if new:
                self.stdout.write(f"  {old:<32} retired: read as {new}")
        for index, name in enumerate(configured):
            state = "present" if name in available else "MISSING"
            default = " (default)" if index == 0 else ""
            self.stdout.write(f"  {name:<32} {state}{default}")

        missing = [name for name in configured if name not in available]
        if configured and configured[0] in missing:
            raise CommandError(
                f"The default model {configured[0]} is missing for this key: every Gemini "
                "render would fail. Put an available model first in GEMINI_MODELS."
            )
        if missing:
            self.stdout.write(
                f"{len(missing)} configured model(s) missing: {', '.join(missing)}. "
                "Users who pick one are told to pick another."
            )
        self.stdout.write(f"(Model limits checked against Google's pages {gemini_models.CHECKED}.)")

    @staticmethod
    def _limits(spec: gemini_models.ModelSpec) -> str:
        return (
            f"{spec.nickname}: {'/'.join(spec.image_sizes)}; {len(spec.aspect_ratios)} shapes; "
            f"{spec.max_references} references; thinking {spec.thinking}"
            + ("; signs its images (C2PA)" if spec.signs_output else "")
        )
