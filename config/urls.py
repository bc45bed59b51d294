from django.contrib import admin
from django.urls import include, path

from config.views import healthz
from learners.views import PasswordChangeView, PasswordResetView

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Two of Django's account pages, throttled; the others as Django has them.
    path("accounts/password_change/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("learners.urls")),
    path("", include("courses.urls")),
]
