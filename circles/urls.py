from django.urls import path

from . import views

app_name = "circles"

urlpatterns = [
    path("circles/", views.circle_list, name="list"),
    path("reports/", views.reports, name="reports"),
]
