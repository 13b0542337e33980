from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import Profile, User
from accounts.retention import retention_choices, retention_for
from accounts.signals import answers, profile_choices
from avatars.models import Style


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        required=False,
        help_text="To reset your password and, once confirmed by the link we send, to show "
        "your avatar wherever sites show Gravatar pictures.",
    )

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
        self.fields["favourite_styles"].queryset = Style.objects.filter(enabled=True).order_by(
            "order", "name"
        )
        # Chosen by slug, as in the API: no number for a form to read.
        self.fields["favourite_styles"].to_field_name = "slug"
        # Not a model field of the form (the model keeps "" for "never chose"): what applies
        # today is what is checked, and it is saved only when changed (profile_form_changes).
        self.fields["photo_retention"] = forms.ChoiceField(
            choices=retention_choices(),
            widget=forms.RadioSelect,
            required=False,  # a form without it (an older page) leaves it as it is
            label="Your photo",
            initial=retention_for(profile=self.instance),
            help_text="Your avatars, their versions and shares stay either way: edits and new "
            "versions are then drawn from your first version.",
        )
        self.initial["photo_retention"] = retention_for(profile=self.instance)
        engines = [
            e for offer in answers(profile_choices, sender=Profile) for e in offer["engines"]
        ]
        if len(engines) < 2:
            # Nothing to choose: a dropdown with one entry only asks a question with no answer.
            del self.fields["default_engine"]
        else:
            self.fields["default_engine"] = forms.ChoiceField(
                choices=engines, label="Default engine"
            )


def profile_form_changes(form: ProfileForm) -> dict:
    """The form's values to save: the photo's retention only when the user changed it, so who
    never chose keeps following the site's default."""
    data = dict(form.cleaned_data)
    if "photo_retention" not in form.changed_data or not data.get("photo_retention"):
        data.pop("photo_retention", None)
    return data


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label="New address", max_length=254)
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
