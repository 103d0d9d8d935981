"""Form helpers shared by every app's views."""

from django.http import HttpRequest, QueryDict


def posted(request: HttpRequest) -> QueryDict | None:
    """The data to bind a form to: the POST body on a POST, even an empty one (a form
    submitted with nothing filled in must show its errors, not a blank form again)."""
    return request.POST if request.method == "POST" else None
