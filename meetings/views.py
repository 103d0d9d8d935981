from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from circles.access import get_circle
from circles.models import Membership
from config.forms import form_status, posted
from config.tokens import hash_token
from members.models import User

from . import actions
from .access import get_meeting, get_series
from .calendar import feed_meetings, google_link, outlook_link, to_ics
from .forms import (
    ActionItemFormSet,
    AgendaItemForm,
    AttendanceForm,
    CancelForm,
    EditForm,
    LogForm,
    RSVPForm,
    ScheduleForm,
    SelfAttendanceForm,
    SurveyForm,
    SwapForm,
    UnscheduledForm,
    action_items_from,
    edit_initial,
    schedule_initial,
)
from .models import (
    Answer,
    CalendarFeed,
    Meeting,
    MeetingLog,
    Survey,
    propose_next,
)
from .participation import (
    answers_at,
    answers_of,
    attendance_roster,
    awaiting_attendance,
    effective_answers,
    on_leave_at,
)
from .reminders import read_rsvp_token
from .times import NonexistentLocalTime


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    # Only a path: redirect() would take a bare word for a view name (NoReverseMatch, 500).
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, {request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback


# --- lists ------------------------------------------------------------------------------------


@login_required
@require_safe
def meeting_list(request: HttpRequest) -> HttpResponse:
    """My meetings across my circles: upcoming with RSVP buttons, then recent ones."""
    mine = Meeting.objects.for_member(request.user).select_related("circle")
    upcoming = list(mine.upcoming()[:50])
    past = list(mine.past()[:30])
    return render(
        request,
        "meetings/list.html",
        {
            "upcoming": with_my_answers(upcoming, request.user),
            "past": past,
        },
    )


@login_required
@require_safe
def circle_meetings(request: HttpRequest, slug: str) -> HttpResponse:
    circle = get_circle(request, slug)
    if not circle.can_see_roster(request.user):
        raise PermissionDenied("Meetings are for the circle's members.")
    meetings = circle.meetings.select_related("series")
    return render(
        request,
        "meetings/circle_meetings.html",
        {
            "circle": circle,
            "upcoming": with_my_answers(list(meetings.upcoming()[:60]), request.user),
            "past": list(meetings.past()[:60]),
            "is_organizer": circle.is_organizer(request.user),
            "is_member": circle.is_member(request.user),
            "series_list": list(circle.series.filter(ended_at__isnull=True)),
            "survey_summary": Survey.objects.filter(meeting__circle=circle).summary(
                with_comments=circle.is_organizer(request.user)
            )
            if circle.is_organizer(request.user) or circle.is_program_admin(request.user)
            else None,
        },
    )


def with_my_answers(meetings: list[Meeting], user) -> list[Meeting]:
    """Set `my_answer` on each meeting (the answer that counts) in two queries."""
    answers = answers_of(user, meetings)
    for m in meetings:
        answer, from_series = answers.get(m.pk, (None, False))
        if from_series:
            m.answer_from_series = True
        m.my_answer = answer
    return meetings


# --- scheduling and editing (organizers) ---------------------------------------------------


@login_required
def schedule(request: HttpRequest, slug: str) -> HttpResponse:
    circle = get_circle(request, slug, manage=True)
    facilitator = propose_next(circle, presenter=False)
    form = ScheduleForm(
        posted(request), circle=circle, initial=schedule_initial(circle, facilitator)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["repeat"]:
            with transaction.atomic():  # the series, its meetings and the facilitator
                series = actions.create_series(form.build_series(), by=request.user)
                first = series.meetings.order_by("start").first()
                if first and data.get("facilitator"):
                    first.set_facilitator(data["facilitator"])
            messages.success(
                request,
                f"Series scheduled: {series.describe()} "
                f"({series.meetings.count()} meetings so far).",
            )
            target = first or circle
        else:
            target = actions.schedule(
                circle,
                day=data["date"],
                at=data["start_time"],
                minutes=data["duration_minutes"],
                zone=data["timezone"],
                details=form.details(),
                by=request.user,
                facilitator=data.get("facilitator"),
            )
            messages.success(request, "The meeting is scheduled.")
        if form.ambiguous_note:
            messages.info(request, form.ambiguous_note)
        return redirect(target)
    return render(
        request,
        "meetings/schedule.html",
        {
            "circle": circle,
            "form": form,
            "proposed": facilitator,
        },
        status=form_status(request, form),
    )


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting(request, pk, manage=True)
    if meeting.is_cancelled:
        messages.error(request, "A cancelled meeting cannot be edited.")
        return redirect(meeting)
    form = EditForm(posted(request), meeting=meeting, initial=edit_initial(meeting))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # the meetings and the facilitator, or nothing
                changed = actions.edit(
                    meeting,
                    day=data["date"],
                    at=data["start_time"],
                    minutes=data["duration_minutes"],
                    details=form.details(),
                    following=form.following,
                    by=request.user,
                )
                if "facilitator" in form.changed_data:
                    meeting.set_facilitator(data["facilitator"])
        except NonexistentLocalTime as exc:
            form.add_error("start_time", str(exc))
        else:
            messages.success(
                request,
                "Meeting updated." if len(changed) == 1 else f"{len(changed)} meetings updated.",
            )
            if form.ambiguous_note:
                messages.info(request, form.ambiguous_note)
            return redirect(meeting)
    return render(
        request,
        "meetings/edit.html",
        {"meeting": meeting, "form": form},
        status=form_status(request, form),
    )


@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting(request, pk, manage=True)
    form = CancelForm(posted(request), meeting=meeting)
    if meeting.is_cancelled:
        messages.info(request, "This meeting is already cancelled.")
        return redirect(meeting)
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = actions.cancel(
                meeting,
                reason=form.cleaned_data["reason"],
                following=form.cleaned_data.get("scope") == "following",
                by=request.user,
            )
        except actions.MeetingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                "Meeting cancelled."
                if len(cancelled) == 1
                else f"{len(cancelled)} meetings cancelled; the series ends.",
            )
            return redirect(meeting)
    return render(
        request,
        "meetings/cancel.html",
        {"meeting": meeting, "form": form},
        status=form_status(request, form),
    )


# --- the meeting page ------------------------------------------------------------------------


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting(request, pk)
    user = request.user
    circle = meeting.circle
    seated = list(
        circle.memberships.seated().select_related("user__institution").order_by("user__full_name")
    )
    # The roles come from the seated rows (the rule of circle.is_member / is_organizer),
    # and my answer from everyone's: no query of their own.
    mine = next((m for m in seated if m.user_id == user.pk), None)
    is_member = mine is not None
    is_organizer = is_member and mine.is_organizer
    sourced = answers_at(meeting)
    answers = {user_id: answer for user_id, (answer, _) in sourced.items()}
    meeting.my_answer, from_series = sourced.get(user.pk, (None, False))
    if from_series:
        meeting.answer_from_series = True
    attendance = {a.user_id: a for a in meeting.attendance.select_related("recorded_by")}
    my_attendance = attendance.get(user.pk)
    log = MeetingLog.objects.filter(meeting=meeting).select_related("written_by").first()
    agenda_form = (
        AgendaItemForm(meeting=meeting, may_choose_presenter=is_organizer)
        if is_member and meeting.can_rsvp
        else None
    )
    context = {
        "meeting": meeting,
        "circle": circle,
        "is_organizer": is_organizer,
        "is_member": is_member,
        **who_is_coming(meeting, seated, answers),
        "attendance_rows": [(m, attendance.get(m.user_id)) for m in seated],
        "my_attendance": my_attendance,
        "my_attendance_history": list(my_attendance.changes.select_related("changed_by"))
        if my_attendance
        else [],
        "self_form": SelfAttendanceForm(initial={"status": "present"}),
        "log": log,
        "action_items": list(log.action_items.select_related("owner")) if log else [],
        "agenda_items": list(meeting.agenda_items.select_related("presenter")),
        "agenda_form": agenda_form,
        "swap_form": SwapForm(meeting=meeting)
        if (is_organizer or meeting.facilitator_id == user.pk) and meeting.can_rsvp
        else None,
        # Calendar links carry the video link: members only, like the link itself.
        "google_link": google_link(meeting) if is_member else None,
        "outlook_link": outlook_link(meeting) if is_member else None,
        "shows_circle_time": meeting.timezone != user.timezone,
        # Shown to organizers under the agenda form only.
        "next_presenter": propose_next(circle, presenter=True, seated=seated)
        if is_organizer and agenda_form
        else None,
        # Organizers see the aggregate and the unattributed comments; program admins the
        # aggregate only; members nothing (their own answers are private).
        "survey_summary": meeting.surveys.summary(with_comments=is_organizer)
        if meeting.has_started
        and (is_organizer or (not is_member and circle.is_program_admin(user)))
        else None,
        "my_open_survey": meeting.has_started
        and Survey.objects.filter(
            meeting=meeting, user=user, answered_at__isnull=True, expires_at__gt=timezone.now()
        ).exists(),
    }
    return render(request, "meetings/detail.html", context)


def who_is_coming(meeting: Meeting, seated: list, answers: dict | None = None) -> dict:
    """The seated members by the answer that counts (`answers`, user id → answer, when the
    caller has them), those on leave (not expected, so not listed as owing an answer) and
    the others who gave none."""
    if answers is None:
        answers = effective_answers(meeting)
    by_answer = {a: [] for a in Answer.values}
    for m in seated:
        if m.user_id in answers:
            by_answer[answers[m.user_id]].append(m.user)
    unanswered = [m for m in seated if m.user_id not in answers]
    return {
        "by_answer": by_answer,
        "on_leave": [m.user for m in unanswered if m.status == Membership.Status.ON_LEAVE],
        "no_answer": [m.user for m in unanswered if m.status != Membership.Status.ON_LEAVE],
    }


@login_required
@require_POST
def rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting(request, pk, member=True)
    form = RSVPForm(request.POST)
    error = None
    if not form.is_valid():
        error = "Choose yes, no or maybe."
    else:
        try:
            actions.rsvp(meeting, request.user, **form.cleaned_data)
        except actions.MeetingError as exc:
            error = str(exc)
    if request.htmx:
        # Always 200: htmx does not swap 4xx answers, and the refusal must be seen in
        # place (the partial shows it as an alert).
        with_my_answers([meeting], request.user)
        context = {
            "meeting": meeting,
            "rsvp_error": error,
            "next": _back(request, meeting.get_absolute_url()),
            "shown_on": request.POST.get("shown_on", ""),
        }
        if context["shown_on"] == "detail":  # the meeting page lists who is coming too
            seated = meeting.circle.memberships.seated().select_related("user")
            context.update(who_is_coming(meeting, list(seated.order_by("user__full_name"))))
            context["is_member"] = True
        return render(request, "meetings/_rsvp_answered.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"You answered “{form.cleaned_data['answer']}”.")
    return redirect(_back(request, meeting.get_absolute_url()))


@login_required
@require_POST
def rsvp_series(request: HttpRequest, pk: int) -> HttpResponse:
    series = get_series(request, pk)
    form = RSVPForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose yes, no or maybe.")
    else:
        actions.rsvp_series(series, request.user, answer=form.cleaned_data["answer"])
        messages.success(
            request,
            f"You answered “{form.cleaned_data['answer']}” for every "
            f"meeting of {series.title} from now on; you can still change "
            "single meetings.",
        )
    return redirect(_back(request, series.circle.get_absolute_url()))


@login_required
@require_safe
def ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting(request, pk, member=True)
    response = HttpResponse(
        to_ics([meeting], name=meeting.circle.name), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


# --- attendance -----------------------------------------------------------------------------


def _initial_marks(meeting: Meeting, memberships) -> dict:
    recorded = {a.user_id: (a.status, a.note) for a in meeting.attendance.all()}
    answers = effective_answers(meeting)
    from_rsvp = {"yes": "present", "no": "excused", "maybe": "absent"}
    unknown = "" if meeting.logged_after_the_fact else "absent"
    return {
        m.user_id: recorded.get(m.user_id, (from_rsvp.get(answers.get(m.user_id), unknown), ""))
        for m in memberships
    }


@login_required
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting(request, pk, manage=True)
    roster = list(attendance_roster(meeting).select_related("user").order_by("user__full_name"))
    on_leave = list(on_leave_at(meeting).select_related("user").order_by("user__full_name"))
    form = AttendanceForm(
        posted(request),
        memberships=roster,
        initial_marks=_initial_marks(meeting, roster),
        # At a meeting logged after the fact, a mark may stay unrecorded (not expected).
        optional=meeting.logged_after_the_fact,
    )
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_attendance(meeting, form.marks(), by=request.user)
        except actions.MeetingError as exc:
            error = str(exc)
        else:
            messages.success(request, "Attendance saved. Members can see and correct their own.")
            return redirect(meeting)
    return render(
        request,
        "meetings/attendance.html",
        {
            "meeting": meeting,
            "form": form,
            "on_leave": on_leave,
            "error": error,
        },
        status=400 if error else form_status(request, form),
    )


@login_required
@require_POST
def own_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting(request, pk, member=True)
    form = SelfAttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose present or excused.")
        return redirect(meeting)
    try:
        actions.report_own_attendance(meeting, request.user, **form.cleaned_data)
    except actions.MeetingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, "Your attendance is updated; organizers see the change and who made it."
        )
    return redirect(meeting)


# --- logs and minutes -----------------------------------------------------------------------


@login_required
def log(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting(request, pk, member=True)
    existing = MeetingLog.objects.filter(meeting=meeting).first()
    if not meeting.has_started or meeting.is_cancelled:
        messages.error(request, "A meeting can be logged once it has started.")
        return redirect(meeting)
    initial = {"summary": existing.summary, "decisions": existing.decisions} if existing else {}
    form = LogForm(posted(request), initial=initial)
    items = (
        [
            {"text": i.text, "owner": i.owner_id, "due_date": i.due_date, "done": i.done}
            for i in existing.action_items.all()
        ]
        if existing
        else []
    )
    formset = ActionItemFormSet(
        posted(request), initial=items, prefix="items", form_kwargs={"circle": meeting.circle}
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        actions.save_log(
            meeting, by=request.user, action_items=action_items_from(formset), **form.cleaned_data
        )
        if request.POST.get("was_there"):
            actions.report_own_attendance(meeting, request.user, status="present", note="")
        messages.success(request, "The log is saved. Only the circle's members see it.")
        return redirect(meeting)
    return render(
        request,
        "meetings/log.html",
        {
            "meeting": meeting,
            "form": form,
            "formset": formset,
            "circle": meeting.circle,
        },
        status=form_status(request, form, formset),
    )


@login_required
def log_unscheduled(request: HttpRequest, slug: str) -> HttpResponse:
    circle = get_circle(request, slug)
    if not circle.is_member(request.user):
        raise PermissionDenied("Only members of the circle can log its meetings.")
    form = UnscheduledForm(
        posted(request),
        circle=circle,
        logged_by=request.user,
        initial={"date": timezone.localdate().isoformat(), "title": f"{circle.name} meeting"},
    )
    formset = ActionItemFormSet(posted(request), prefix="items", form_kwargs={"circle": circle})
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        meeting = actions.log_unscheduled(
            circle,
            day=data["date"],
            at=data["start_time"],
            minutes=data["duration_minutes"],
            title=data["title"],
            summary=data["summary"],
            decisions=data["decisions"],
            action_items=action_items_from(formset),
            marks=form.marks(),
            by=request.user,
        )
        messages.success(request, "The meeting and its log are saved.")
        return redirect(meeting)
    return render(
        request,
        "meetings/log.html",
        {
            "circle": circle,
            "form": form,
            "formset": formset,
            "unscheduled": True,
        },
        status=form_status(request, form, formset),
    )


@login_required
@require_POST
def send_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting(request, pk, manage=True)
    if not MeetingLog.objects.filter(meeting=meeting).exists():
        messages.error(request, "Write the log first; the minutes are the log.")
        return redirect(meeting)
    count = actions.send_minutes(meeting, by=request.user)
    messages.success(request, f"The minutes were emailed to {count} members.")
    return redirect(meeting)


# --- agenda and rotation ---------------------------------------------------------------------


@login_required
@require_POST
def add_agenda_item(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting(request, pk, member=True)
    is_organizer = meeting.circle.is_organizer(request.user)
    form = AgendaItemForm(request.POST, meeting=meeting, may_choose_presenter=is_organizer)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else ''}: " + " ".join(errors),
            )
        return redirect(meeting)
    presenter = form.cleaned_data.get("presenter") if is_organizer else request.user
    try:
        actions.add_agenda_item(
            meeting,
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            presenter=presenter,
            materials_link=form.cleaned_data["materials_link"],
            by=request.user,
        )
    except actions.MeetingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Added to the agenda.")
    return redirect(meeting)


@login_required
@require_POST
def remove_agenda_item(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    meeting = get_meeting(request, pk, member=True)
    agenda_item = get_object_or_404(meeting.agenda_items, pk=item)
    if not meeting.can_rsvp:
        messages.error(request, "The agenda of a past or cancelled meeting is kept as it was.")
        return redirect(meeting)
    user = request.user
    if not (
        meeting.circle.is_organizer(user)
        or agenda_item.presenter_id == user.pk
        or agenda_item.added_by_id == user.pk
    ):
        raise PermissionDenied("Only organizers and the presenter can remove this item.")
    actions.remove_agenda_item(agenda_item)
    messages.success(request, "Removed from the agenda.")
    return redirect(meeting)


@login_required
@require_POST
def swap(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting(request, pk, member=True)
    if not (meeting.circle.is_organizer(request.user) or meeting.facilitator_id == request.user.pk):
        raise PermissionDenied("Only this meeting's facilitator or an organizer can swap.")
    form = SwapForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, "Choose an upcoming meeting of this circle.")
        return redirect(meeting)
    try:
        actions.swap_facilitators(meeting, form.cleaned_data["other"], by=request.user)
    except actions.MeetingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Facilitators swapped.")
    return redirect(meeting)


# --- calendar feed ---------------------------------------------------------------------------


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """A person's private subscription: meetings of their current circles from 90 days
    ago on, less those they declined. Anyone with the URL can read it, which is why it can
    be reset."""
    calendar = CalendarFeed.objects.filter(token=token).select_related("user").first()
    if calendar is None or not calendar.user.is_active:
        raise Http404("No such calendar.")
    since = timezone.now() - timezone.timedelta(days=90)
    meetings = feed_meetings(calendar.user, since=since)
    response = HttpResponse(
        to_ics(meetings, name="Roundtable"), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_POST
def reset_feed(request: HttpRequest) -> HttpResponse:
    """Creates the person's calendar link, or (when they ask to reset it) replaces it.
    A second "Create" (a double click, an old tab) keeps the link instead of silently
    killing the one just subscribed to."""
    feed, created = CalendarFeed.objects.get_or_create(
        user=request.user, defaults={"token": CalendarFeed.new_token()}
    )
    if created:
        messages.success(
            request,
            "Your calendar link was created. Copy it into your calendar app, or use "
            "“Subscribe”, to see your circles' meetings there.",
        )
    elif request.POST.get("intent") == "reset":
        feed.reset()
        messages.success(
            request,
            "Your calendar link was reset. Subscribe again with the new "
            "link; the old one no longer works.",
        )
    else:
        messages.info(request, "You already have a calendar link: it is on this page.")
    return redirect("members:profile")


def dashboard_context(user) -> dict:
    """Upcoming meetings across my circles (with my answers), and past meetings that still
    need my attendance (as organizer) or a log."""
    mine = Meeting.objects.for_member(user).select_related("circle")
    upcoming = with_my_answers(list(mine.upcoming()[:8]), user)
    now = timezone.now()
    since = now - timezone.timedelta(days=60)
    recent = mine.held().filter(start__gte=since)
    needs_attendance = awaiting_attendance(user, since=since, until=now)
    needs_log = list(recent.filter(log__isnull=True).order_by("-start")[:5])
    surveys = list(
        Survey.objects.filter(user=user, answered_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("meeting__circle")
        .order_by("-meeting__start")[:5]
    )
    return {
        "upcoming_meetings": upcoming,
        "needs_attendance": needs_attendance,
        "needs_log": needs_log,
        "open_surveys": surveys,
    }


# --- links in emails (no login; a GET only shows, the button POSTs) ------------------------


@never_cache
def rsvp_link(request: HttpRequest, token: str) -> HttpResponse:
    """The RSVP buttons of a reminder. Mail scanners follow links, so the GET shows a page
    and only its button records the answer. A link opens nothing once answers are closed
    (the meeting started) or its person no longer holds a seat in the circle: the signed
    token cannot be revoked, so what it shows is checked on every request."""
    data = read_rsvp_token(token)
    meeting = Meeting.objects.filter(pk=(data or {}).get("m")).select_related("circle").first()
    user = User.objects.filter(pk=(data or {}).get("u"), is_active=True).first()
    if (
        data is None
        or meeting is None
        or user is None
        or data.get("a") not in Answer.values
        or meeting.has_started
        or not meeting.circle.memberships.seated().filter(user=user).exists()
    ):
        return render(request, "meetings/link_invalid.html", status=404)
    answer = data["a"]
    error = None
    # No one need be signed in here: the page reads in the zone of the person the link
    # was made for (their profile), not the browser's session or the circle's.
    zone = user.timezone
    if request.method == "POST":
        try:
            actions.rsvp(meeting, user, answer=answer)
        except actions.MeetingError as exc:
            error = str(exc)
        else:
            return render(
                request,
                "meetings/rsvp_link.html",
                {"meeting": meeting, "answer": answer, "done": True, "zone": zone},
            )
    return render(
        request,
        "meetings/rsvp_link.html",
        {"meeting": meeting, "answer": answer, "error": error, "zone": zone},
        status=400 if error else 200,
    )


@never_cache
def survey(request: HttpRequest, token: str) -> HttpResponse:
    found = (
        Survey.objects.filter(token_hash=hash_token(token))
        .select_related("meeting__circle")
        .first()
    )
    return _answer_survey(request, found)


@login_required
def my_survey(request: HttpRequest, pk: int) -> HttpResponse:
    """The same survey from the dashboard, for the signed-in member (no token needed)."""
    found = (
        Survey.objects.filter(meeting_id=pk, user=request.user)
        .select_related("meeting__circle")
        .first()
    )
    return _answer_survey(request, found)


def _answer_survey(request: HttpRequest, found) -> HttpResponse:
    if found is None:
        return render(request, "meetings/survey_closed.html", {"why": "unknown"}, status=404)
    if found.answered_at:
        return render(request, "meetings/survey_closed.html", {"why": "answered"}, status=410)
    if found.expires_at <= timezone.now():
        return render(request, "meetings/survey_closed.html", {"why": "expired"}, status=410)
    form = SurveyForm(posted(request))
    if request.method == "POST" and form.is_valid():
        answered = actions.answer_survey(found, **form.cleaned_data)
        if answered:
            return render(request, "meetings/survey_closed.html", {"why": "thanks"})
        return render(request, "meetings/survey_closed.html", {"why": "answered"}, status=410)
    return render(
        request,
        "meetings/survey.html",
        {"survey": found, "form": form},
        status=form_status(request, form),
    )
