from django.conf import settings


def site(request):
    return {"coursebook_site_name": settings.SITE_NAME}
