from django import forms
from django.contrib.auth.forms import UserCreationForm

from learners.models import User


class SignUpForm(UserCreationForm):
    email = forms.EmailField(help_text="For resetting your password if you forget it.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name"]
        labels = {"display_name": "Name on your certificates"}
        help_texts = {
            "display_name": "Shown on the certificate of each course you finish. "
            "Leave it empty to use your full name or username."
        }
