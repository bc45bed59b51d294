"""The site's URLs plus the reference pages that the page throughputs are compared with:
`bench/minimal/`, the cheapest page Django serves through the site's middleware;
`bench/one-query/`, a small template with one query and a CSRF form (the issue's own
reference, about 0.37× of the minimal view); and `bench/signed-in/`, the site's base template
for a signed-in learner with no content (the session and user queries, the header), the least
any signed-in page costs."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from courses.models import Course

EMPTY_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Empty{% endblock %}'
)

ONE_QUERY_PAGE = engines["django"].from_string(
    "<!doctype html><title>{{ course.title }}</title><h1>{{ course.title }}</h1>"
    '<form method="post">{% csrf_token %}<button>Go</button></form>'
)


def minimal(request):
    return HttpResponse("ok")


def one_query(request):
    return HttpResponse(ONE_QUERY_PAGE.render({"course": Course.objects.first()}, request))


def signed_in(request):
    return HttpResponse(EMPTY_PAGE.render({}, request))


urlpatterns = [
    path("bench/minimal/", minimal),
    path("bench/one-query/", one_query),
    path("bench/signed-in/", signed_in),
    *site_urlpatterns,
]
