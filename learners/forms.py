from django import forms
from django.contrib.auth.forms import UserCreationForm

from learners.models import User


class SignUpForm(UserCreationForm):
    email = forms.EmailField(help_text="For resetting your password if you forget it.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]
