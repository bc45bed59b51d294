from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin, on the site in learners.admin_site."""

    default_site = "learners.admin_site.AdminSite"
