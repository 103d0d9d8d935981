from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path(
        "circles/<slug:slug>/participation/",
        views.circle_participation,
        name="circle_participation",
    ),
    path(
        "circles/<slug:slug>/participation/<str:table>.csv",
        views.circle_participation_csv,
        name="circle_participation_csv",
    ),
    path("reports/", views.overview, name="overview"),
    path("reports/participation/", views.participation, name="participation"),
    path("reports/<str:table>.csv", views.report_csv, name="csv"),
    path("reports/<str:report>.xlsx", views.report_workbook, name="workbook"),
    path("reports/exports/<uuid:public_id>/", views.export_status, name="export_status"),
    path(
        "reports/exports/<uuid:public_id>/download/",
        views.export_download,
        name="export_download",
    ),
]
