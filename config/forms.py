"""Form helpers shared by every app's views."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict


def posted(request: HttpRequest) -> QueryDict | None:
    """The data to bind a form to: the POST body on a POST, even an empty one (a form
    submitted with nothing filled in must show its errors, not a blank form again)."""
    return request.POST if request.method == "POST" else None


def form_status(request: HttpRequest, *forms) -> int:
    """400 for a POST whose forms (or formsets, with their management form) were refused,
    so clients and tests see the refusal; 200 otherwise."""
    if request.method != "POST":
        return 200
    refused = any(
        f.total_error_count() if hasattr(f, "total_error_count") else f.errors for f in forms
    )
    return 400 if refused else 200


class _DistinctChoices:
    """A multiple choice that keeps each value once and refuses more values than it has
    choices: a tampered request repeating one box a thousand times is answered with a
    form error, and never stored as a thousand answers."""

    def to_python(self, value) -> list[str]:
        values = super().to_python(value)
        if len(values) > len(self.choices):
            raise ValidationError("Choose each option at most once.", code="too_many")
        return list(dict.fromkeys(values))


class DistinctMultipleChoiceField(_DistinctChoices, forms.MultipleChoiceField):
    pass


class DistinctTypedMultipleChoiceField(_DistinctChoices, forms.TypedMultipleChoiceField):
    pass
