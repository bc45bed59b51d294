"""The site's URLs plus `bench/minimal/`: the cheapest page Django can serve through the
same middleware, the baseline the page throughputs are divided by."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def minimal(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/minimal/", minimal), *site_urlpatterns]
