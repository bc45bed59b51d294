from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("search/", views.search, name="search"),
    path("courses/<slug:course_slug>/", views.course, name="course"),
    path(
        "courses/<slug:course_slug>/assets/<str:digest>/<str:filename>",
        views.asset,
        name="asset",
    ),
    path("courses/<slug:course_slug>/<path:lesson_path>/", views.lesson, name="lesson"),
]
