"""Project-wide request guards that belong to no single app."""

from collections.abc import Callable, Iterable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.cache import patch_cache_control

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(values: Iterable[str]) -> bool:
    return any("\x00" in value for value in values)


def _query_has_nul(query: QueryDict) -> bool:
    return any("\x00" in key or _has_nul(values) for key, values in query.lists())


class RejectNulMiddleware:
    """Answer 400 to a request with a NUL character in its path, query, form data or
    cookies. PostgreSQL refuses NUL in text, so any view that looked such a value up (a
    calendar token, a slug, a search field, a session key) would fail with a 500; no
    browser or legitimate client sends one. Sits before the session and authentication
    middleware, so a hostile session cookie is never looked up either."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._carries_nul(request):
            raise BadRequest("NUL character in the request")
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path_info or _query_has_nul(request.GET):
            return True
        if _has_nul(request.COOKIES) or _has_nul(request.COOKIES.values()):
            return True
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            # Reading the form here costs nothing extra: CsrfViewMiddleware reads it anyway.
            if _query_has_nul(request.POST):
                return True
            names = (f.name or "" for _, files in request.FILES.lists() for f in files)
            return _has_nul(names)
        return False


class PrivateCacheMiddleware:
    """Every answer to a signed-in person (pages, CSV/XLSX/ICS downloads, redirects) says
    `Cache-Control: private, no-store`: a shared proxy must not keep it, and neither may
    the browser's disk cache on a shared computer after logging out. A view that chose a
    policy as strict (no-store) keeps its own. The tokenised calendar feed, fetched by
    calendar apps without a session, keeps its `private, max-age=300`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not _is_no_store(response):
            if response.has_header("Cache-Control"):
                del response["Cache-Control"]  # e.g. the feed's max-age
            patch_cache_control(response, private=True, no_store=True)
        return response


def _is_no_store(response: HttpResponse) -> bool:
    return "no-store" in response.get("Cache-Control", "")
