from django.urls import path

from learners import views

app_name = "learners"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
]
