from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Roundtable administration"
admin.site.site_title = "Roundtable admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("", include("circles.urls")),
    path("", include("meetings.urls")),
    path("admin/", admin.site.urls),
]
