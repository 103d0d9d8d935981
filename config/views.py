"""Site-wide pages that belong to no single app: the landing page / dashboard and the
health check used by container orchestration."""

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from circles.views import dashboard_context as circles_context
from meetings.views import dashboard_context as meetings_context


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        context = {**circles_context(request.user), **meetings_context(request.user)}
        return render(request, "dashboard.html", context)
    return render(request, "landing.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's own CSRF page renders without the request, so a signed-in person would see
    the logged-out navigation; render ours with it."""
    return render(request, "403_csrf.html", status=403)


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """200 when the database and the cache answer; 503 otherwise (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        cache.set("health-check", "ok", 5)
    except Exception as exc:  # any failure means "not ready"; say which part failed
        return HttpResponse(
            f"unavailable: {type(exc).__name__}", status=503, content_type="text/plain"
        )
    return HttpResponse("ok", content_type="text/plain")
