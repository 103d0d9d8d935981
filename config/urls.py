from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from . import views

admin.site.site_header = "Roundtable administration"
admin.site.site_title = "Roundtable admin"
# Staff log in through allauth like everyone else, so its rate limits and mandatory email
# verification also guard the admin (Django's own admin login has neither).
admin.site.login = login_required(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("", include("circles.urls")),
    path("", include("meetings.urls")),
    path("", include("reports.urls")),
    path("admin/", admin.site.urls),
]
