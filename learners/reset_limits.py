"""Limits on password-reset mails, per email address and per client, counted in the database
so that every app server enforces the same ones (see the README's "Password reset")."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from learners.models import PasswordResetRequest

# Longer than any IPv6 address; what a misconfigured proxy forwards is cut to fit the column.
CLIENT_MAX_LENGTH = 45


def window():
    return timedelta(minutes=settings.PASSWORD_RESET_LIMIT_MINUTES)


def record_request(email, client):
    """Record a request for a reset mail, then say which limit it goes beyond: "client" when
    this client has asked too often, "email" when the address has had its share of mails,
    None when the mail may go.

    Recorded first and counted after, so that requests racing each other can only be refused
    too often, never send one mail too many."""
    now = timezone.now()
    email, client = email.lower(), (client or "")[:CLIENT_MAX_LENGTH]
    PasswordResetRequest.objects.filter(requested_at__lt=now - window()).delete()
    PasswordResetRequest.objects.create(email=email, client=client, requested_at=now)
    recent = PasswordResetRequest.objects.since(now - window())
    if recent.filter(client=client).count() > settings.PASSWORD_RESET_LIMIT_PER_CLIENT:
        return "client"
    if recent.filter(email=email).count() > settings.PASSWORD_RESET_LIMIT_PER_EMAIL:
        return "email"
    return None
