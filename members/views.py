from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.forms import form_status, posted
from outbox.messages import public_url

from .access import get_member
from .forms import MilestoneForm, NotificationSettingsForm, ProfileForm
from .models import Institution, Milestone

# Milestones shown on the profile page; the career record lists them all.
PROFILE_MILESTONES = 3


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    milestones = list(user.milestones.all()[: PROFILE_MILESTONES + 1])
    return render(
        request,
        "members/profile.html",
        {
            "member": user,
            "milestones": milestones[:PROFILE_MILESTONES],
            "more_milestones": len(milestones) > PROFILE_MILESTONES,
            **calendar_feed_links(request),
        },
    )


def calendar_feed_links(request: HttpRequest) -> dict:
    """The person's private calendar feed as an https:// address (to paste into a
    calendar app) and a webcal:// one (which opens the device's calendar app to
    subscribe); empty when they have not created it yet. The feed itself is the meetings
    app's (`user.calendar_feed`, reached without importing it: members sits below)."""
    feed = getattr(request.user, "calendar_feed", None)
    if feed is None:
        return {"feed_url": "", "webcal_url": ""}
    # On the public site, like every link we hand out (a request may come in on another host).
    url = public_url(feed.get_absolute_url())
    return {"feed_url": url, "webcal_url": "webcal://" + url.partition("://")[2]}


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
        form.save(user)
        messages.success(request, "Your notification settings are saved.")
        return redirect("members:notifications")
    return render(
        request,
        "members/notifications.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- career record -------------------------------------------------------------------------
# Only login is needed: alumni keep recording milestones after they leave every circle.


def get_own_milestone(request: HttpRequest, pk: int) -> Milestone:
    """One of the requester's own milestones; anyone else's is a 404, so nobody can learn
    which milestones exist."""
    return get_object_or_404(Milestone.objects.filter(member=request.user), pk=pk)


def _add_initial(request: HttpRequest) -> dict:
    """Preselections from the link that led here (`?kind=position&in_academia=no` from the
    check-in's "I have left academia"); anything unknown is ignored."""
    initial = {}
    kind = request.GET.get("kind", "")
    if kind in Milestone.Kind.values:
        initial["kind"] = kind
    answer = request.GET.get("in_academia", "")
    if kind == Milestone.Kind.POSITION_CHANGE and answer in ("yes", "no"):
        initial["in_academia"] = answer == "yes"
    return initial


@login_required
@require_safe
def career(request: HttpRequest) -> HttpResponse:
    user = request.user
    milestones = list(user.milestones.all())
    position = user.latest_position_change(milestones)
    return render(
        request,
        "members/career.html",
        {
            "milestones": milestones,
            "position": position,
            "current_position": user.current_position(milestones),
            "in_academia": position is None or position.in_academia is not False,
            "form": MilestoneForm(initial=_add_initial(request)),
        },
    )


@login_required
@require_POST
def career_confirm(request: HttpRequest) -> HttpResponse:
    request.user.confirm_position()
    messages.success(request, "Thank you: your position is confirmed.")
    return redirect("members:career")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def milestone_add(request: HttpRequest) -> HttpResponse:
    form = MilestoneForm(
        posted(request), instance=Milestone(member=request.user), initial=_add_initial(request)
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            milestone = form.save()
            if milestone.is_position_change:
                # Recording where they are now answers the check-in's question too.
                request.user.confirm_position()
        messages.success(request, f"Added to your career record: {milestone.title}")
        return redirect("members:career")
    return render(
        request,
        "members/milestone_form.html",
        {"form": form, "milestone": None},
        status=form_status(request, form),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_own_milestone(request, pk)
    form = MilestoneForm(posted(request), instance=milestone)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Saved: {milestone.title}")
        return redirect("members:career")
    return render(
        request,
        "members/milestone_form.html",
        {"form": form, "milestone": milestone},
        status=form_status(request, form),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def milestone_delete(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_own_milestone(request, pk)
    if request.method == "POST":
        milestone.delete()
        messages.success(request, f"Deleted from your career record: {milestone.title}")
        return redirect("members:career")
    # GET only asks: a link followed by a mail scanner or a prefetch must not delete.
    return render(request, "members/milestone_delete.html", {"milestone": milestone})
