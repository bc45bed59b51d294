from django.contrib import admin
from django.urls import reverse

from learners.views import PasswordChangeView


class AdminSite(admin.AdminSite):
    """Django's admin site, with wrong old passwords on its password-change page throttled
    like sign-ins, as on the site's own (learners.views.PasswordChangeView)."""

    def password_change(self, request, extra_context=None):
        request.current_app = self.name
        return PasswordChangeView.as_view(
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
        )(request)
