"""Middleware that guards every request and response, whichever view (if any) answers."""

from django.conf import settings
from django.http import Http404
from django.utils.log import log_response
from django.views.defaults import bad_request


def security_headers(get_response):
    """X-Content-Type-Options and Referrer-Policy on every response.

    SecurityMiddleware sets them too, but not on the 400 it answers itself when the HTTPS
    redirect meets a Host outside ALLOWED_HOSTS. First in MIDDLEWARE, this sees every response.
    """

    def middleware(request):
        response = get_response(request)
        if settings.SECURE_CONTENT_TYPE_NOSNIFF:
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if settings.SECURE_REFERRER_POLICY:
            response.headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        return response

    return middleware


def refuse_nul_bytes(get_response):
    """Keep NUL bytes away from every view: PostgreSQL can neither store nor compare text
    that holds one, and no address, form or header of this site has a use for it.

    A path with one names no page (404). A query string, form field or header with one makes
    the request a 400. A cookie with one is ignored, as if the browser had not sent it, so a
    planted session cookie means "not signed in" rather than an error on every page.
    """

    def middleware(request):
        for name, value in list(request.COOKIES.items()):
            if "\0" in name or "\0" in value:
                del request.COOKIES[name]
        if "\0" in request.path_info:
            raise Http404("No page has a NUL byte in its address.")
        if (
            holds_nul(request.GET)
            or (request.method == "POST" and holds_nul(request.POST))
            or any(
                "\0" in value
                for key, value in request.META.items()
                if key.startswith("HTTP_") and key != "HTTP_COOKIE"
            )
        ):
            # Answered here rather than raised, so the log gets one line, not a traceback.
            response = bad_request(request, exception=None)
            log_response(
                "Bad request (a NUL byte): %s", request.path, response=response, request=request
            )
            return response
        return get_response(request)

    return middleware


def holds_nul(query_dict):
    return any(
        "\0" in key or any("\0" in value for value in values) for key, values in query_dict.lists()
    )
