from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def circle_list(request: HttpRequest) -> HttpResponse:
    return render(request, "circles/list.html")


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    # Program admins join staff once programs exist.
    if not request.user.is_staff:
        raise PermissionDenied("Reports are for program admins.")
    return render(request, "circles/reports.html")
