from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import Profile, User
from avatars.engines.base import configured_engines
from avatars.selectors import style_list_enabled


class SignUpForm(UserCreationForm):
    email = forms.EmailField(required=False, help_text="Only used to reset your password.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = [
            "display_name",
            "backstory",
            "palette",
            "traits",
            "caption",
            "favourite_styles",
            "default_engine",
        ]
        widgets = {
            "backstory": forms.Textarea(attrs={"rows": 8, "maxlength": 20000}),
            "traits": forms.Textarea(attrs={"rows": 2}),
            "favourite_styles": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["favourite_styles"].queryset = style_list_enabled()
        # Chosen by slug, as in the API: no number for a form to read.
        self.fields["favourite_styles"].to_field_name = "slug"
        engines = configured_engines()
        if len(engines) < 2:
            # Nothing to choose: a dropdown with one entry only asks a question with no answer.
            del self.fields["default_engine"]
        else:
            self.fields["default_engine"] = forms.ChoiceField(
                choices=engines, label="Default engine"
            )
