from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from config.forms import form_status, posted
from members.adapters import INVITED_EMAIL_SESSION_KEY

from . import actions
from .access import get_circle, get_invitation, get_membership, get_own_membership
from .forms import (
    AcceptCharterForm,
    CharterForm,
    CircleFilterForm,
    CircleForm,
    InviteForm,
    JoinForm,
    MemberActionForm,
    ReasonForm,
    new_circle_initial,
)
from .models import KIND_DEFAULTS, Circle, Invitation, Membership

CIRCLES_PER_PAGE = 20


# --- finding and reading circles ---------------------------------------------------------


@require_safe
def circle_list(request: HttpRequest) -> HttpResponse:
    form = CircleFilterForm(request.GET or None)
    circles = (
        Circle.objects.discoverable()
        .with_counts()
        .with_next_meeting()
        .select_related("program")
        .prefetch_related("topics")
        .order_by("name")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            q = data["q"]
            circles = circles.filter(
                Q(name__icontains=q) | Q(description__icontains=q) | Q(topics__name__icontains=q)
            ).distinct()
        if data["kind"]:
            circles = circles.filter(kind=data["kind"])
        if data["program"]:
            circles = circles.filter(program=data["program"])
        if data["topic"]:
            circles = circles.filter(topics=data["topic"])
        if data["meeting_format"]:
            # Hybrid circles meet both ways, so they match "online" and "in person".
            circles = circles.filter(
                meeting_format__in={data["meeting_format"], Circle.MeetingFormat.HYBRID}
            )
        if data["open_seats"]:
            circles = circles.filter(Q(capacity__isnull=True) | Q(capacity__gt=F("member_count")))
    page = Paginator(circles, CIRCLES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "circles/list.html",
        {"form": form, "page": page, "query": query.urlencode(), "kinds": KIND_DEFAULTS},
        status=200 if form.is_bound is False or form.is_valid() else 400,
    )


@require_safe
def circle_detail(request: HttpRequest, slug: str) -> HttpResponse:
    circle = get_circle(request, slug)
    user = request.user
    members = list(
        circle.memberships.seated()
        .select_related("user__institution")
        .order_by("-role", "user__full_name")
    )
    # A seated member's own row is in the list already; only others need a query to see
    # whether they asked to join or wait on the waitlist.
    membership = next((m for m in members if m.user_id == user.pk), None) or circle.membership_of(
        user
    )
    seated = membership is not None and membership.is_seated
    can_see_roster = seated or circle.is_program_admin(user)
    organizers = [m.user for m in members if m.is_organizer]
    roster = list(members) if can_see_roster else []
    context = {
        "circle": circle,
        "membership": membership,
        "is_organizer": membership is not None and seated and membership.is_organizer,
        "can_see_roster": can_see_roster,
        "roster": roster,
        "organizers": organizers,
        "member_count": len(members),
        "institution_count": len({m.user.institution_id for m in members if m.user.institution_id}),
        "topics": list(circle.topics.all()),
        "charter": circle.current_charter,
        "charter_form": AcceptCharterForm(),
        "join_form": JoinForm(circle=circle) if membership is None else None,
        "my_invitation": _pending_invitation(circle, user) if not seated else None,
        "upcoming_meetings": list(circle.meetings.upcoming()[:3]) if can_see_roster else [],
        "next_meeting": circle.meetings.upcoming().first() if not can_see_roster else None,
    }
    return render(request, "circles/detail.html", context)


def _pending_invitation(circle: Circle, user) -> Invitation | None:
    if not user.is_authenticated:
        return None
    return circle.invitations.pending().for_user(user).first()


# --- creating and editing ------------------------------------------------------------------


@login_required
def circle_new(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind") or request.GET.get("kind")
    if kind not in Circle.Kind.values:
        return render(request, "circles/new_choose_kind.html", {"kinds": KIND_DEFAULTS})
    circle_initial, charter_initial = new_circle_initial(kind, request.user)
    form = CircleForm(
        posted(request),
        user=request.user,
        initial=circle_initial,
        instance=Circle(kind=kind),
    )
    charter_form = CharterForm(posted(request), initial=charter_initial, prefix="charter")
    if request.method == "POST" and form.is_valid() and charter_form.is_valid():
        circle = form.save(commit=False)
        circle.slug = form.cleaned_data["slug"]
        try:
            actions.create_circle(
                circle=circle,
                by=request.user,
                mission=charter_form.cleaned_data["mission"],
                guiding_principles=charter_form.cleaned_data["guiding_principles"],
                **form.topic_changes(),
            )
        except IntegrityError:  # the address was taken a moment ago (e.g. a double submit)
            form.add_error(
                "slug",
                f"The web address “{circle.slug}” was just taken. "
                "Check your circles, or choose another address.",
            )
        else:
            messages.success(request, f"{circle.name} is ready. Invite its first members.")
            return redirect("circles:invite", slug=circle.slug)
    return render(
        request,
        "circles/new.html",
        {
            "form": form,
            "charter_form": charter_form,
            "kind": Circle.Kind(kind),
            "explanation": KIND_DEFAULTS[kind]["explanation"],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def circle_edit(request: HttpRequest, slug: str) -> HttpResponse:
    circle = get_circle(request, slug, manage=True)
    form = CircleForm(
        posted(request), instance=circle, user=request.user, initial={"other_topics": ""}
    )
    if request.method == "POST" and form.is_valid():
        circle = form.save(commit=False)
        circle.slug = form.cleaned_data["slug"]
        actions.update_circle(
            circle, fields=form.model_fields(), by=request.user, **form.topic_changes()
        )
        messages.success(request, "The circle's settings have been saved.")
        return redirect(circle)
    return render(
        request,
        "circles/edit.html",
        {"circle": circle, "form": form},
        status=form_status(request, form),
    )


STATUS_CHANGES = {
    "activate": (Circle.Status.ACTIVE, "{name} is active."),
    "pause": (Circle.Status.PAUSED, "{name} is paused: it takes no new members for now."),
    "archive": (Circle.Status.ARCHIVED, "{name} is archived. Members can still read it."),
}


@login_required
@require_POST
def circle_status(request: HttpRequest, slug: str) -> HttpResponse:
    circle = get_circle(request, slug, manage=True)
    change = STATUS_CHANGES.get(request.POST.get("status", ""))
    if change is None:
        messages.error(request, "Unknown status change.")
        return redirect("circles:edit", slug=circle.slug)
    actions.set_status(circle, change[0], by=request.user)
    messages.success(request, change[1].format(name=circle.name))
    return redirect(circle)


@login_required
def charter_edit(request: HttpRequest, slug: str) -> HttpResponse:
    circle = get_circle(request, slug, manage=True)
    current = circle.current_charter
    form = CharterForm(
        posted(request),
        instance=None,
        initial={
            "mission": current.mission if current else "",
            "guiding_principles": current.guiding_principles if current else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        charter = actions.revise_charter(circle, by=request.user, **form.cleaned_data)
        if current is None or charter.pk != current.pk:
            messages.success(
                request,
                f"Charter version {charter.version} is published. "
                "Members will be asked to read and accept it.",
            )
        else:
            messages.info(request, "The charter did not change.")
        return redirect(circle)
    history = circle.charters.select_related("created_by")
    return render(
        request,
        "circles/charter_edit.html",
        {"circle": circle, "form": form, "history": history},
        status=form_status(request, form),
    )


# --- a member's own membership -------------------------------------------------------------


@login_required
def join(request: HttpRequest, slug: str) -> HttpResponse:
    circle = get_circle(request, slug)
    if circle.membership_of(request.user):
        messages.info(request, "You are already in this circle or have asked to join.")
        return redirect(circle)
    form = JoinForm(posted(request), circle=circle)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            membership = actions.join(
                circle, request.user, message=form.cleaned_data.get("message", "")
            )
        except actions.MembershipError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                {
                    Membership.Status.ACTIVE: f"Welcome to {circle.name}!",
                    Membership.Status.WAITLISTED: f"{circle.name} is full: you are on the waitlist "
                    "and will be told when a seat frees.",
                    Membership.Status.REQUESTED: "Your request has been sent to the organizers.",
                }[membership.status],
            )
            return redirect(circle)
    status = 400 if (error or form.errors) and request.method == "POST" else 200
    return render(
        request,
        "circles/join.html",
        {"circle": circle, "form": form, "error": error, "charter": circle.current_charter},
        status=status,
    )


@login_required
@require_POST
def charter_accept(request: HttpRequest, slug: str) -> HttpResponse:
    circle = get_circle(request, slug)
    membership = get_own_membership(request, circle)
    form = AcceptCharterForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tick the box to accept the charter.")
        return redirect(circle)
    actions.accept_charter(membership)
    messages.success(request, "Thank you: you accepted the current charter.")
    return redirect(circle)


@login_required
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    circle = get_circle(request, slug)
    membership = get_own_membership(request, circle)
    form = ReasonForm(posted(request))
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            actions.leave(membership, by=request.user, reason=form.cleaned_data["reason"])
        except actions.MembershipError as exc:
            error = str(exc)
        else:
            messages.success(request, f"You have left {circle.name}.")
            return redirect("circles:list")
    status = 400 if request.method == "POST" and (error or form.errors) else 200
    return render(
        request,
        "circles/leave.html",
        {"circle": circle, "membership": membership, "form": form, "error": error},
        status=status,
    )


@login_required
@require_POST
def own_leave_of_absence(request: HttpRequest, slug: str) -> HttpResponse:
    circle = get_circle(request, slug)
    membership = get_own_membership(request, circle)
    try:
        if membership.status == Membership.Status.ON_LEAVE:
            actions.end_leave(membership, by=request.user)
            messages.success(request, "Welcome back: reminders resume.")
        else:
            actions.start_leave(membership, by=request.user)
            messages.success(request, "You are on leave: your seat is kept and reminders pause.")
    except actions.MembershipError as exc:
        messages.error(request, str(exc))
    return redirect(circle)


# --- organizers: members and invitations ---------------------------------------------------


@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    circle = get_circle(request, slug, manage=True)
    memberships = list(
        circle.memberships.select_related("user__institution").order_by("requested_at", "pk")
    )
    by_status: dict[str, list[Membership]] = {}
    for m in memberships:
        by_status.setdefault(m.status, []).append(m)
    past = [m for m in memberships if not m.is_current]
    past.sort(key=lambda m: m.ended_at or m.requested_at, reverse=True)
    return render(
        request,
        "circles/members.html",
        {
            "circle": circle,
            "seated": by_status.get("active", []) + by_status.get("on_leave", []),
            "requests": by_status.get("requested", []),
            "waitlist": by_status.get("waitlisted", []),
            "past": past,
            "is_full": circle.capacity is not None
            and len(by_status.get("active", []) + by_status.get("on_leave", [])) >= circle.capacity,
        },
    )


MEMBER_ACTIONS = {
    "approve": lambda m, by, reason: actions.approve_request(m, by=by),
    "decline": lambda m, by, reason: actions.decline_request(m, by=by, reason=reason),
    "admit": lambda m, by, reason: actions.admit_from_waitlist(m, by=by),
    "make_organizer": lambda m, by, reason: actions.make_organizer(m, by=by),
    "make_member": lambda m, by, reason: actions.make_member(m, by=by),
    "start_leave": lambda m, by, reason: actions.start_leave(m, by=by, note=reason),
    "end_leave": lambda m, by, reason: actions.end_leave(m, by=by),
    "remove": lambda m, by, reason: actions.remove(m, by=by, reason=reason),
}


@login_required
@require_POST
def member_action(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    circle = get_circle(request, slug, manage=True)
    membership = get_membership(request, circle, pk)
    form = MemberActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("circles:members", slug=circle.slug)
    action = form.cleaned_data["action"]
    try:
        MEMBER_ACTIONS[action](membership, request.user, form.cleaned_data["reason"].strip())
    except actions.MembershipError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{MemberActionForm.ACTIONS[action]}: {membership.user.display_name}. Done."
        )
    return redirect("circles:members", slug=circle.slug)


@login_required
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    circle = get_circle(request, slug, manage=True)
    form = InviteForm(posted(request))
    if request.method == "POST" and not circle.accepts_members:
        form.add_error(
            None,
            f"{circle.name} is {circle.get_status_display().lower()}: "
            "reopen it before inviting people.",
        )
    if request.method == "POST" and form.is_valid():
        result = actions.invite(
            circle, form.cleaned_data["emails"], by=request.user, names=form.names
        )
        skipped = form.skipped + result.skipped
        if result.sent:
            messages.success(
                request,
                f"Invitation sent to {len(result.sent)} "
                f"address{'es' if len(result.sent) != 1 else ''}: " + ", ".join(result.sent) + ".",
            )
        for address, why in skipped:
            messages.warning(request, f"Skipped {address}: {why}.")
        return redirect("circles:invite", slug=circle.slug)
    invitations = circle.invitations.open().select_related("invited_by").order_by("-sent_at")
    return render(
        request,
        "circles/invite.html",
        {"circle": circle, "form": form, "invitations": invitations},
        status=form_status(request, form),
    )


@login_required
@require_POST
def invitation_manage(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    circle = get_circle(request, slug, manage=True)
    invitation = get_invitation(circle, pk)
    try:
        if action == "resend":
            actions.resend_invitation(invitation, by=request.user)
            messages.success(request, f"A new link was sent to {invitation.email}.")
        else:
            actions.revoke_invitation(invitation, by=request.user)
            messages.success(request, f"The invitation to {invitation.email} was revoked.")
    except actions.MembershipError as exc:
        messages.error(request, str(exc))
    return redirect("circles:invite", slug=circle.slug)


@login_required
@require_POST
def invitation_accept_in_app(request: HttpRequest, slug: str) -> HttpResponse:
    """Accept a pending invitation from the circle page (or the dashboard) without the
    emailed link: the invitation is found by the signed-in person's own address."""
    circle = get_circle(request, slug)
    found = _pending_invitation(circle, request.user)
    if found is None:
        messages.error(request, "There is no open invitation to this circle for you.")
        return redirect(circle)
    return _accept(request, found, AcceptCharterForm(request.POST))


def _accept(request: HttpRequest, found: Invitation, form: AcceptCharterForm) -> HttpResponse:
    circle = found.circle
    if not form.is_valid():
        messages.error(request, "To join, read the charter and tick the box to accept it.")
        return redirect(circle)
    try:
        membership = actions.accept_invitation(found, request.user)
    except actions.MembershipError as exc:
        messages.error(request, str(exc))
        return redirect(circle)
    if membership.status == Membership.Status.WAITLISTED:
        messages.info(
            request,
            f"{circle.name} is full right now: you are on its waitlist "
            "and will be told when a seat frees.",
        )
    else:
        messages.success(request, f"Welcome to {circle.name}!")
    return redirect(circle)


# --- accepting an invitation (public link) -------------------------------------------------


@never_cache
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page an emailed invitation links to. GET only shows it (mail scanners follow
    links); joining is the POST of its button."""
    found = Invitation.objects.by_token(token).select_related("circle__current_charter").first()
    if found is None:
        return render(request, "circles/invitation_invalid.html", {"why": "unknown"}, status=404)
    circle = found.circle
    if found.accepted_at:
        if request.user.is_authenticated and found.accepted_by_id == request.user.pk:
            messages.info(request, f"You already accepted this invitation to {circle.name}.")
            return redirect(circle)
        return render(
            request,
            "circles/invitation_invalid.html",
            {"why": "used", "circle": circle},
            status=410,
        )
    if found.revoked_at or found.is_expired or circle.is_archived:
        why = "revoked" if found.revoked_at else "archived" if circle.is_archived else "expired"
        return render(
            request,
            "circles/invitation_invalid.html",
            {"why": why, "circle": circle, "invitation": found},
            status=410,
        )
    this_page = reverse("circles:invitation", kwargs={"token": token})
    if not request.user.is_authenticated:
        # Signing up with the invited address through this link proves the person reads
        # that mailbox: the account adapter then treats that one address as verified.
        request.session[INVITED_EMAIL_SESSION_KEY] = found.email
        return render(
            request,
            "circles/invitation.html",
            {
                "invitation": found,
                "circle": circle,
                "charter": circle.current_charter,
                "signup_url": reverse("account_signup")
                + "?"
                + urlencode({"email": found.email, "next": this_page}),
                "login_url": reverse("account_login") + "?" + urlencode({"next": this_page}),
            },
        )
    if not found.is_for(request.user):
        return render(
            request,
            "circles/invitation_wrong_person.html",
            {"invitation": found, "circle": circle},
            status=403,
        )
    form = AcceptCharterForm(posted(request))
    if request.method == "POST" and form.is_valid():
        return _accept(request, found, form)
    return render(
        request,
        "circles/invitation.html",
        {
            "invitation": found,
            "circle": circle,
            "charter": circle.current_charter,
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- program admins --------------------------------------------------------------------------


def dashboard_context(user) -> dict:
    """What the dashboard shows about circles: my current memberships and invitations."""
    # The seat counts come in the same query; topics are not shown here.
    memberships = list(
        user.memberships.current()
        .select_related("circle__current_charter")
        .with_member_count()
        .order_by("circle__name")
    )
    invitations = list(
        Invitation.objects.pending().for_user(user).select_related("circle", "invited_by")
    )
    return {"my_memberships": memberships, "my_invitations": invitations}
