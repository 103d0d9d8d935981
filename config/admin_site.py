"""The admin site: Django's, with one guard (config/apps.py makes it the default site, so
`admin.site` and `@admin.register` are this one). NUL bytes in admin requests are refused
for every page by config.middleware.RejectNulMiddleware.

- The "view on site" shortcut (`/admin/r/<content type>/<id>/`) only opens what the staff
  member may view in the admin, and never a row that holds a secret: Django's own checks
  nothing but `is_staff`, and a calendar feed's address *is* its token.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.http import Http404
from django.urls import path

from config.admin_exports import holds_secret


class RoundtableAdminSite(admin.AdminSite):
    def get_urls(self):
        urls = [url for url in super().get_urls() if getattr(url, "name", None) != "view_on_site"]
        return [
            path(
                "r/<path:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            ),
            *urls,
        ]

    def view_on_site(self, request, content_type_id, object_id):
        """Django's shortcut, for a row the staff member may view in the admin and that
        holds no secret; 404 otherwise (whether it exists is not for them to learn)."""
        try:
            content_type = ContentType.objects.get_for_id(int(content_type_id))
        except (ValueError, OverflowError, ContentType.DoesNotExist) as exc:
            raise Http404 from exc
        model = content_type.model_class()
        model_admin = self._registry.get(model)
        if model_admin is None or holds_secret(model):
            raise Http404
        obj = model_admin.get_object(request, unquote(object_id))
        if obj is None or not model_admin.has_view_permission(request, obj):
            raise Http404
        return shortcut(request, content_type.pk, obj.pk)
