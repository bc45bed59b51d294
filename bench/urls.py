"""The site's URLs plus two reference pages that the page throughputs are compared with:
`bench/minimal/`, the cheapest page Django serves through the site's middleware, and
`bench/signed-in/`, the site's base template for a signed-in learner with no content (the
session and user queries, the header), the least any signed-in page costs."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

EMPTY_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Empty{% endblock %}'
)


def minimal(request):
    return HttpResponse("ok")


def signed_in(request):
    return HttpResponse(EMPTY_PAGE.render({}, request))


urlpatterns = [
    path("bench/minimal/", minimal),
    path("bench/signed-in/", signed_in),
    *site_urlpatterns,
]
