from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError

from learners.models import EMAIL_TAKEN, User


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        help_text="For resetting your password if you forget it.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(EMAIL_TAKEN, code="unique")
        return email


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, with the old password checked by `authenticate`, so django-axes counts a wrong
    one as a failed sign-in and locks out exactly as it does at sign-in."""

    def __init__(self, user, *args, request, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        signed_in_as = authenticate(
            self.request, username=self.user.get_username(), password=old_password
        )
        if signed_in_as != self.user:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name"]
        labels = {"display_name": "Name on your certificates"}
        help_texts = {
            "display_name": "Shown on the certificate of each course you finish. "
            "Leave it empty to use your full name or username."
        }
