"""The site's URLs plus the two minimal views every page's throughput is compared with: the
cheapest page Django serves through the site's middleware, for a visitor
(`bench/minimal/`) and for a signed-in learner, whose session and user it loads
(`bench/minimal-signed-in/`)."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def minimal(request):
    return HttpResponse("ok")


def minimal_signed_in(request):
    return HttpResponse(f"ok {request.user.pk}")


urlpatterns = [
    path("bench/minimal/", minimal),
    path("bench/minimal-signed-in/", minimal_signed_in),
    *site_urlpatterns,
]
