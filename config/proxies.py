"""Reading the client's address behind the reverse proxies the site trusts."""

from django.conf import settings


def client_address(request):
    """The address login throttling counts. Behind TRUSTED_PROXY_COUNT proxies it is the one
    the outermost proxy saw: proxies append to X-Forwarded-For, so it is read from the
    right, and a client cannot choose its own address by sending the header."""
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies and len(forwarded) >= proxies and forwarded[-proxies]:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
