from __future__ import annotations

from django import forms
from django.conf import settings

from avatars.engines.base import (
    STYLE_STRENGTH_DEFAULT,
    STYLE_STRENGTH_MAX,
    STYLE_STRENGTH_MIN,
    engine_catalogue,
)
from avatars.selectors import style_list_enabled
from avatars.services.limits import INSTRUCTION_MAX_LENGTH, INSTRUCTION_TOO_LONG
from avatars.services.takes import MAX_TAKES
from pixme.numbers import IntegerFormField, parse_int


class StrengthInput(forms.NumberInput):
    """The "More me ↔ More style" slider: a range input (the page's script reads it while it
    is dragged; without the script it is a plain control posted with the form)."""

    input_type = "range"

    def __init__(self, attrs=None):
        super().__init__(
            {"min": STYLE_STRENGTH_MIN, "max": STYLE_STRENGTH_MAX, "step": 1, **(attrs or {})}
        )


def style_strength_field(**kwargs) -> IntegerFormField:
    return IntegerFormField(
        label="More me ↔ More style",
        min_value=STYLE_STRENGTH_MIN,
        max_value=STYLE_STRENGTH_MAX,
        required=False,  # a form without it (an older page, a script) asks for the default
        widget=StrengthInput(attrs={"data-style-strength": ""}),
        help_text="Left keeps more of your photo; right gives more of the style.",
        **kwargs,
    )


class AvatarCreateForm(forms.Form):
    photo = forms.FileField(
        label="Your selfie",
        help_text="JPEG, PNG, WebP, HEIC, AVIF or GIF — up to 15 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    style = forms.ModelChoiceField(
        queryset=None, to_field_name="slug", empty_label=None, widget=forms.RadioSelect
    )
    engine = forms.ChoiceField(choices=())
    instruction = forms.CharField(
        label="Anything to add? (optional)",
        required=False,
        max_length=INSTRUCTION_MAX_LENGTH,
        error_messages={"max_length": INSTRUCTION_TOO_LONG},
        widget=forms.TextInput(attrs={"placeholder": "e.g. add round glasses"}),
    )
    aspect_ratio = forms.ChoiceField(label="Shape", required=False)
    model = forms.ChoiceField(
        label="Model", required=False, help_text="Only for engines that offer several models."
    )
    image_size = forms.ChoiceField(
        label="Resolution", required=False, help_text="Only some models offer 2K and 4K."
    )
    title = forms.CharField(required=False, max_length=120)
    variants = forms.TypedChoiceField(
        label="How many takes",
        coerce=parse_int,
        required=False,  # a form without it (an older page, a script) asks for one
        empty_value=1,
        initial=1,
        help_text="Draw it several ways at once and keep the one you like: each take is a "
        "version of its own, ranked by how much it looks like you.",
    )
    style_strength = style_strength_field(initial=STYLE_STRENGTH_DEFAULT)

    def clean_style_strength(self) -> int:
        value = self.cleaned_data.get("style_strength")
        return STYLE_STRENGTH_DEFAULT if value is None else value

    def __init__(self, *args, default_engine: str = "studio", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["style"].queryset = style_list_enabled()
        catalogue = engine_catalogue()
        # engine -> model ('' for its default) -> what it accepts; the page's script offers
        # only those, and the service refuses the rest in words.
        self.options = {
            e["engine"]: {"": e["default"], **{m["name"]: m for m in e["models"]}}
            for e in catalogue
        }
        self.fields["engine"].choices = [(e["engine"], e["label"]) for e in catalogue]
        slugs = list(self.options)
        self.fields["engine"].initial = default_engine if default_engine in slugs else "studio"
        models = [m["name"] for e in catalogue if e["engine"] != "studio" for m in e["models"]]
        self.fields["model"].choices = [("", "Default")] + [(m, m) for m in models]
        accepted = [caps for per_model in self.options.values() for caps in per_model.values()]
        ratios = dict.fromkeys(r for caps in accepted for r in caps["aspect_ratios"])
        sizes = dict.fromkeys(size for caps in accepted for size in caps["image_sizes"])
        self.fields["aspect_ratio"].choices = [("", "Same as my photo")] + [(r, r) for r in ratios]
        self.fields["image_size"].choices = [("", "Model's default")] + [(z, z) for z in sizes]
        # No more takes than the site draws of one user's at once (the service says so too).
        cap = settings.PIXME_MAX_UNFINISHED_PER_USER
        most = min(MAX_TAKES, cap) if cap > 0 else MAX_TAKES
        self.fields["variants"].choices = [(n, str(n)) for n in range(1, most + 1)]
        if len(catalogue) == 1:
            # Studio only: nothing to choose between, so don't show the choices.
            self.fields["engine"].widget = forms.HiddenInput()
            self.fields["model"].widget = forms.HiddenInput()
            self.fields["image_size"].widget = forms.HiddenInput()


class EditForm(forms.Form):
    instruction = forms.CharField(
        max_length=INSTRUCTION_MAX_LENGTH,
        error_messages={
            "required": "Tell us what to change, for example “add round glasses”.",
            "max_length": INSTRUCTION_TOO_LONG,
        },
        widget=forms.TextInput(
            attrs={"placeholder": "Try “add sunglasses and make it warmer”", "autocomplete": "off"}
        ),
    )
    parent = IntegerFormField(min_value=1, required=False, widget=forms.HiddenInput)
    # Left out (None): the edited version's own.
    style_strength = style_strength_field()
