from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from config.forms import posted

from .access import get_member
from .forms import NotificationSettingsForm, ProfileForm
from .models import Institution


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "members/profile.html", {"member": request.user})


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(posted(request), instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Your profile has been saved.")
            return redirect("members:profile")
        status = 400
    else:
        status = 200
    institutions = Institution.objects.values_list("name", flat=True)
    return render(
        request,
        "members/profile_edit.html",
        {"form": form, "institutions": institutions},
        status=status,
    )


@login_required
def card(request: HttpRequest, public_id) -> HttpResponse:
    member = get_member(request, public_id)
    return render(request, "members/card.html", {"member": member})


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    memberships = list(user.memberships.seated().select_related("circle").order_by("circle__name"))
    form = NotificationSettingsForm(
        posted(request),
        memberships=memberships,
        initial={"reminder_minutes": user.reminder_minutes},
    )
    if request.method == "POST" and form.is_valid():
        user.reminder_minutes = sorted(form.cleaned_data["reminder_minutes"], reverse=True)
        user.save(update_fields=["reminder_minutes"])
        for m in memberships:
            muted = form.cleaned_data[f"mute_{m.pk}"]
            if muted != m.reminders_muted:
                m.reminders_muted = muted
                m.save(update_fields=["reminders_muted"])
        messages.success(request, "Your notification settings are saved.")
        return redirect("members:notifications")
    return render(
        request,
        "members/notifications.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
