from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from django.views.generic import RedirectView

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
    # The outbox and the export audit trail moved apps: old admin bookmarks still work.
    re_path(
        r"^admin/meetings/notification/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/outbox/notification/%(rest)s", query_string=True),
    ),
    re_path(
        r"^admin/circles/export/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/reports/export/%(rest)s", query_string=True),
    ),
    path("admin/", admin.site.urls),
]
