from django.shortcuts import render

from courses.models import Course


def catalogue(request):
    return render(request, "courses/catalogue.html", {"courses": Course.objects.all()})
