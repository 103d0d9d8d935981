import zoneinfo

from django.utils import timezone

from .timezones import is_valid_timezone


class TimezoneMiddleware:
    """Render times in the signed-in person's own timezone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and is_valid_timezone(user.timezone):
            timezone.activate(zoneinfo.ZoneInfo(user.timezone))
        else:
            timezone.deactivate()
        return self.get_response(request)
