from django.urls import path

from learners import views

app_name = "learners"

urlpatterns = [
    path("accounts/signup/", views.sign_up, name="signup"),
    path("accounts/profile/", views.account, name="account"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/progress.json", views.export_progress, name="export"),
    path("dashboard/finished/<slug:course_slug>/", views.course_complete, name="course_complete"),
    path("dashboard/reset/<slug:course_slug>/", views.reset_progress, name="reset"),
    # A course's front page (Docusaurus `slug: /`) is served at the course's own URL.
    path(
        "courses/<slug:course_slug>/complete/",
        views.complete,
        {"lesson_path": ""},
        name="complete_front_page",
    ),
    path(
        "courses/<slug:course_slug>/incomplete/",
        views.incomplete,
        {"lesson_path": ""},
        name="incomplete_front_page",
    ),
    path(
        "courses/<slug:course_slug>/<path:lesson_path>/complete/",
        views.complete,
        name="complete",
    ),
    path(
        "courses/<slug:course_slug>/<path:lesson_path>/checklist/",
        views.save_checklist,
        name="checklist",
    ),
    path(
        "courses/<slug:course_slug>/<path:lesson_path>/incomplete/",
        views.incomplete,
        name="incomplete",
    ),
]
