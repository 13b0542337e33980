from __future__ import annotations

from django import forms

from avatars.engines.base import configured_engines, get_engine
from avatars.selectors import style_list_enabled

ASPECT_RATIOS = ["", "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"]


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
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "e.g. add round glasses"}),
    )
    aspect_ratio = forms.ChoiceField(
        label="Shape",
        required=False,
        choices=[("", "Same as my photo")] + [(r, r) for r in ASPECT_RATIOS[1:]],
    )
    model = forms.ChoiceField(
        label="Model", required=False, help_text="Only for engines that offer several models."
    )
    image_size = forms.ChoiceField(
        label="Resolution",
        required=False,
        choices=[("", "Model's default"), ("1K", "1K"), ("2K", "2K"), ("4K", "4K")],
        help_text="Only some models offer 2K and 4K.",
    )
    title = forms.CharField(required=False, max_length=120)

    def __init__(self, *args, default_engine: str = "studio", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["style"].queryset = style_list_enabled()
        engines = configured_engines()
        self.fields["engine"].choices = engines
        slugs = [slug for slug, _ in engines]
        self.fields["engine"].initial = default_engine if default_engine in slugs else "studio"
        models = [m for slug in slugs if slug != "studio" for m in get_engine(slug).models()]
        self.fields["model"].choices = [("", "Default")] + [(m, m) for m in models]
        if len(engines) == 1:
            # Studio only: nothing to choose between, so don't show the choices.
            self.fields["engine"].widget = forms.HiddenInput()
            self.fields["model"].widget = forms.HiddenInput()
            self.fields["image_size"].widget = forms.HiddenInput()


class EditForm(forms.Form):
    instruction = forms.CharField(
        max_length=2000,
        widget=forms.TextInput(
            attrs={"placeholder": "Try “add sunglasses and make it warmer”", "autocomplete": "off"}
        ),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
