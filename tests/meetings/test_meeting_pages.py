from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from circles import actions as circle_actions
from circles.models import Membership
from meetings import actions
from meetings.models import RSVP, Attendance, Meeting, MeetingLog, SeriesRSVP
from meetings.participation import effective_answers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def upcoming(circle, alice, details):
    day = timezone.localdate() + timedelta(days=10)
    return actions.schedule(
        circle, day=day, at=time(12), minutes=60, zone="America/Detroit", details=details, by=alice
    )


@pytest.fixture
def past(circle, alice, details):
    day = timezone.localdate() - timedelta(days=3)
    return actions.schedule(
        circle, day=day, at=time(12), minutes=60, zone="America/Detroit", details=details, by=alice
    )


# --- who sees the meeting -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"), [("alice", 200), ("bob", 200), ("dana", 200), ("carol", 404), ("olga", 404)]
)
def test_meeting_page_is_for_the_circle_and_its_program_admins(
    client, upcoming, alice, bob, carol, dana, olga, other_circle, who, status
):
    client.force_login(
        {"alice": alice, "bob": bob, "carol": carol, "dana": dana, "olga": olga}[who]
    )
    assert client.get(upcoming.get_absolute_url()).status_code == status


def test_anonymous_is_sent_to_log_in_from_a_meeting(client, upcoming):
    response = client.get(upcoming.get_absolute_url())
    assert response.status_code == 302


def test_times_show_in_the_viewers_zone_and_the_circles(client, bob, upcoming):
    bob.timezone = "Europe/London"
    bob.save()
    client.force_login(bob)
    html = client.get(upcoming.get_absolute_url()).content.decode()
    london = upcoming.start.astimezone(__import__("zoneinfo").ZoneInfo("Europe/London"))
    assert f"{london:%H:%M}" in html and "(your time, Europe/London)" in html
    assert "Circle time:" in html and "12:00" in html and "(America/Detroit)" in html


def test_former_members_lose_the_meeting(client, bob, circle, upcoming):
    circle_actions.leave(circle.memberships.get(user=bob), by=bob)
    client.force_login(bob)
    assert client.get(upcoming.get_absolute_url()).status_code == 404


# --- RSVP ---------------------------------------------------------------------------------


def rsvp(client, meeting, answer, **headers):
    return client.post(
        reverse("meetings:rsvp", kwargs={"pk": meeting.pk}), {"answer": answer}, **headers
    )


def test_member_answers_and_changes_their_mind(client, bob, upcoming):
    client.force_login(bob)
    rsvp(client, upcoming, "yes")
    rsvp(client, upcoming, "no")
    assert RSVP.objects.get().answer == "no"


def test_htmx_answer_returns_the_buttons_only(client, bob, upcoming):
    client.force_login(bob)
    response = rsvp(client, upcoming, "maybe", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="rsvp"')
    assert "You said maybe" in html and "<html" not in html


def test_without_javascript_the_answer_redirects_back(client, bob, upcoming):
    client.force_login(bob)
    response = client.post(
        reverse("meetings:rsvp", kwargs={"pk": upcoming.pk}),
        {"answer": "yes", "next": "/meetings/"},
    )
    assert response["Location"] == "/meetings/"
    response = client.post(
        reverse("meetings:rsvp", kwargs={"pk": upcoming.pk}),
        {"answer": "yes", "next": "https://evil.example/"},
    )
    assert response["Location"] == upcoming.get_absolute_url()


@pytest.mark.parametrize("answer", ["", "definitely", "<script>"])
def test_a_bad_answer_is_refused_in_place(client, bob, upcoming, answer):
    client.force_login(bob)
    # htmx swaps only 2xx answers, so the refusal comes back as a 200 partial with an alert.
    response = rsvp(client, upcoming, answer, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'role="alert">Choose yes, no or maybe.' in response.content.decode()
    assert "<script>" not in response.content.decode()
    assert not RSVP.objects.exists()
    # Without JavaScript: a redirect back with the message.
    plain = client.post(
        reverse("meetings:rsvp", kwargs={"pk": upcoming.pk}), {"answer": answer}, follow=True
    )
    assert "Choose yes, no or maybe." in plain.content.decode()


def test_nobody_answers_a_cancelled_or_past_meeting(client, alice, bob, upcoming, past):
    actions.cancel(upcoming, reason="Snow", following=False, by=alice)
    client.force_login(bob)
    for meeting, message in ((upcoming, "cancelled"), (past, "already started")):
        response = rsvp(client, meeting, "yes", HTTP_HX_REQUEST="true")
        assert 'role="alert"' in response.content.decode()
        assert message in response.content.decode()
    assert not RSVP.objects.exists()


def test_program_admins_and_outsiders_cannot_answer(client, dana, carol, upcoming):
    client.force_login(dana)
    assert rsvp(client, upcoming, "yes").status_code == 403
    client.force_login(carol)
    assert rsvp(client, upcoming, "yes").status_code == 404
    assert not RSVP.objects.exists()


def test_a_series_answer_counts_unless_a_meeting_is_answered_differently(
    client, bob, circle, make_series
):
    today = timezone.localdate()
    series = make_series(circle, start_date=today + timedelta(days=1), count=4)
    meetings = list(series.meetings.order_by("start"))
    client.force_login(bob)
    client.post(reverse("meetings:rsvp_series", kwargs={"pk": series.pk}), {"answer": "yes"})
    assert SeriesRSVP.objects.get().answer == "yes"
    rsvp(client, meetings[1], "no")
    answers = [effective_answers(m).get(bob.pk) for m in meetings]
    assert answers == ["yes", "no", "yes", "yes"]
    html = client.get(meetings[2].get_absolute_url()).content.decode()
    assert "You said yes (for the whole series)" in html
    # A later change of the series answer leaves the single-meeting override alone.
    client.post(reverse("meetings:rsvp_series", kwargs={"pk": series.pk}), {"answer": "maybe"})
    assert [effective_answers(m).get(bob.pk) for m in meetings] == ["maybe", "no", "maybe", "maybe"]


def test_a_series_answer_does_not_reach_back_to_earlier_meetings(bob, circle, make_series):
    series = make_series(circle, start_date=date(2026, 1, 1), count=3)
    SeriesRSVP.objects.create(
        series=series, user=bob, answer="yes", valid_from=series.meetings.order_by("start")[1].start
    )
    first, second, _ = series.meetings.order_by("start")
    assert bob.pk not in effective_answers(first)
    assert effective_answers(second)[bob.pk] == "yes"


def test_outsiders_cannot_answer_for_a_series(client, carol, circle, make_series):
    series = make_series(circle)
    client.force_login(carol)
    assert (
        client.post(
            reverse("meetings:rsvp_series", kwargs={"pk": series.pk}), {"answer": "yes"}
        ).status_code
        == 404
    )


# --- attendance -----------------------------------------------------------------------------


def attendance_url(meeting):
    return reverse("meetings:attendance", kwargs={"pk": meeting.pk})


def test_attendance_form_is_prefilled_from_rsvps_and_skips_members_on_leave(
    client, alice, bob, circle, past
):
    on_leave = UserFactory(full_name="Lea Leave")
    m = circle.memberships.create(
        user=on_leave, status="active", joined_at=past.start - timedelta(days=30)
    )
    circle_actions.start_leave(m, by=on_leave)
    # Her leave began before the meeting: she was not expected at it.
    m.events.filter(kind="leave_started").update(at=past.start - timedelta(days=1))
    RSVP.objects.create(meeting=past, user=bob, answer="no")
    client.force_login(alice)
    response = client.get(attendance_url(past))
    form = response.context["form"]
    assert form.fields[f"status_{bob.pk}"].initial == "excused"
    assert form.fields[f"status_{alice.pk}"].initial == "absent"
    assert f"status_{on_leave.pk}" not in form.fields
    assert "not counted absent: Lea Leave" in response.content.decode()


def test_organizer_records_attendance_and_the_member_sees_it(client, alice, bob, past):
    client.force_login(alice)
    response = client.post(
        attendance_url(past),
        {
            f"status_{alice.pk}": "present",
            f"note_{alice.pk}": "",
            f"status_{bob.pk}": "absent",
            f"note_{bob.pk}": "No word",
        },
    )
    assert response.status_code == 302
    assert Attendance.objects.get(user=bob).status == "absent"
    client.force_login(bob)
    html = client.get(past.get_absolute_url()).content.decode()
    assert "You are marked <strong>absent</strong> by Alice" in html
    assert "No word" in html


def test_a_member_corrects_their_own_mark_and_the_history_keeps_both(client, alice, bob, past):
    actions.record_attendance(past, {bob: ("absent", "")}, by=alice)
    client.force_login(bob)
    client.post(
        reverse("meetings:own_attendance", kwargs={"pk": past.pk}),
        {"status": "excused", "note": "Was on call"},
    )
    attendance = Attendance.objects.get(user=bob)
    assert (attendance.status, attendance.recorded_by) == ("excused", bob)
    assert [(c.status, c.changed_by) for c in attendance.changes.all()] == [
        ("absent", alice),
        ("excused", bob),
    ]
    html = client.get(past.get_absolute_url()).content.decode()
    assert "History" in html and "Was on call" in html


def test_a_member_cannot_mark_themselves_absent_or_others(client, bob, past, alice):
    client.force_login(bob)
    client.post(reverse("meetings:own_attendance", kwargs={"pk": past.pk}), {"status": "absent"})
    assert not Attendance.objects.exists()
    assert client.get(attendance_url(past)).status_code == 403
    assert client.post(attendance_url(past), {f"status_{alice.pk}": "absent"}).status_code == 403


def test_attendance_waits_for_the_meeting_to_start(client, alice, upcoming):
    client.force_login(alice)
    response = client.post(attendance_url(upcoming), {f"status_{alice.pk}": "present"})
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_bad_attendance_values_are_refused(client, alice, bob, past):
    client.force_login(alice)
    response = client.post(
        attendance_url(past),
        {
            f"status_{alice.pk}": "teleported",
            f"status_{bob.pk}": "present",
            f"note_{bob.pk}": "x" * 301,
        },
    )
    assert response.status_code == 400
    assert not Attendance.objects.exists()


# --- logs and minutes ---------------------------------------------------------------------------


def test_a_member_logs_a_meeting_with_action_items(client, bob, alice, past):
    client.force_login(bob)
    response = client.post(
        reverse("meetings:log", kwargs={"pk": past.pk}),
        {
            "summary": "We talked about negotiation.",
            "decisions": "Meet in person in May.",
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "0",
            "items-0-text": "Share salary data",
            "items-0-owner": str(alice.pk),
            "items-0-due_date": "2026-12-01",
            "items-1-text": "",
            "was_there": "1",
        },
    )
    assert response.status_code == 302
    log = MeetingLog.objects.get()
    assert (log.written_by, log.summary) == (bob, "We talked about negotiation.")
    assert [(i.text, i.owner) for i in log.action_items.all()] == [("Share salary data", alice)]
    assert Attendance.objects.get(user=bob).status == "present"


def test_the_log_is_for_the_circle_only(client, dana, past, bob):
    actions.save_log(
        past, summary="Confidential: a harassment case", decisions="", action_items=[], by=bob
    )
    client.force_login(dana)  # program admin: sees the meeting, never its log
    html = client.get(past.get_absolute_url()).content.decode()
    assert "Confidential: a harassment case" not in html
    assert client.get(reverse("meetings:log", kwargs={"pk": past.pk})).status_code == 403


def test_an_action_item_needs_text(client, bob, alice, past):
    client.force_login(bob)
    response = client.post(
        reverse("meetings:log", kwargs={"pk": past.pk}),
        {
            "summary": "S",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-0-text": "",
            "items-0-owner": str(alice.pk),
        },
    )
    assert response.status_code == 400
    assert not MeetingLog.objects.exists()


def test_a_member_logs_a_meeting_that_was_never_scheduled(client, bob, circle):
    client.force_login(bob)
    day = timezone.localdate() - timedelta(days=1)
    response = client.post(
        reverse("meetings:log_unscheduled", kwargs={"slug": circle.slug}),
        {
            "title": "Coffee chat",
            "date": day.isoformat(),
            "start_time": "08:00",
            "duration_minutes": "30",
            "summary": "Informal catch-up.",
            "decisions": "",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
            f"was_{bob.pk}": "present",
        },
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == meeting.get_absolute_url()
    assert meeting.logged_after_the_fact and meeting.log.summary == "Informal catch-up."
    assert Attendance.objects.get(meeting=meeting, user=bob).status == "present"


def test_a_future_meeting_cannot_be_logged_as_happened(client, bob, circle):
    client.force_login(bob)
    day = timezone.localdate() + timedelta(days=2)
    response = client.post(
        reverse("meetings:log_unscheduled", kwargs={"slug": circle.slug}),
        {
            "title": "Later",
            "date": day.isoformat(),
            "start_time": "08:00",
            "duration_minutes": "30",
            "summary": "S",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400
    assert not Meeting.objects.exists()


def test_outsiders_cannot_log_for_a_circle(client, carol, circle):
    client.force_login(carol)
    assert (
        client.get(reverse("meetings:log_unscheduled", kwargs={"slug": circle.slug})).status_code
        == 403
    )


def test_organizer_emails_the_minutes_to_the_circle(
    client, alice, bob, past, mailoutbox, committed
):
    actions.save_log(
        past,
        summary="We agreed <to> meet.",
        decisions="D",
        action_items=[{"text": "Draft aims", "owner": bob, "due_date": None, "done": False}],
        by=bob,
    )
    client.force_login(bob)
    assert client.post(reverse("meetings:minutes", kwargs={"pk": past.pk})).status_code == 403
    client.force_login(alice)
    with committed():
        client.post(reverse("meetings:minutes", kwargs={"pk": past.pk}))
    assert sorted(m.to[0] for m in mailoutbox) == [alice.email, bob.email]
    assert "We agreed <to> meet." in mailoutbox[0].body  # plain text is not escaped
    assert "Draft aims (Bob Baker)" in mailoutbox[0].body
    assert MeetingLog.objects.get().minutes_sent_at is not None


# --- agenda and rotation --------------------------------------------------------------------


def test_the_form_proposes_the_member_who_waited_longest(client, alice, bob, circle, details):
    from meetings.models import propose_next

    assert propose_next(circle, presenter=False) == alice  # neither has facilitated; joined first
    day = timezone.localdate() + timedelta(days=5)
    actions.schedule(
        circle,
        day=day,
        at=time(12),
        minutes=60,
        zone="UTC",
        details=details,
        by=alice,
        facilitator=alice,
    )
    assert propose_next(circle, presenter=False) == bob
    circle_actions.start_leave(circle.memberships.get(user=bob), by=bob)
    assert propose_next(circle, presenter=False) == alice  # bob is on leave


def test_the_proposal_is_the_same_from_the_seated_rows_a_page_has_loaded(alice, bob, circle):
    from meetings.models import propose_next

    carol = UserFactory()
    Membership.objects.create(circle=circle, user=carol, status="active", joined_at=None)
    circle.memberships.filter(user=bob).update(joined_at=timezone.now() - timedelta(days=400))
    for presenter in (False, True):
        seated = list(circle.memberships.seated().select_related("user").order_by("?"))
        expected = propose_next(circle, presenter=presenter)
        assert propose_next(circle, presenter=presenter, seated=seated) == expected
    circle_actions.start_leave(circle.memberships.get(user=bob), by=bob)
    seated = list(circle.memberships.seated().select_related("user"))
    assert propose_next(circle, presenter=True, seated=seated) == propose_next(
        circle, presenter=True
    )


def test_a_member_puts_their_work_on_the_agenda_as_presenter(client, bob, alice, upcoming):
    client.force_login(bob)
    client.post(
        reverse("meetings:agenda_add", kwargs={"pk": upcoming.pk}),
        {
            "kind": "grant",
            "title": "K23 specific aims",
            "presenter": str(alice.pk),
            "materials_link": "https://example.org/aims",
        },
    )
    item = upcoming.agenda_items.get()
    assert (item.title, item.presenter) == ("K23 specific aims", bob)  # not alice
    client.force_login(alice)
    client.post(reverse("meetings:agenda_remove", kwargs={"pk": upcoming.pk, "item": item.pk}))
    assert not upcoming.agenda_items.exists()


def test_bad_agenda_links_are_refused(client, bob, upcoming):
    client.force_login(bob)
    response = client.post(
        reverse("meetings:agenda_add", kwargs={"pk": upcoming.pk}),
        {"kind": "grant", "title": "X", "materials_link": "javascript:alert(1)"},
        follow=True,
    )
    assert not upcoming.agenda_items.exists()
    assert "https://" in response.content.decode()


def test_the_facilitator_swaps_with_another_meeting(client, alice, bob, circle, details):
    day = timezone.localdate() + timedelta(days=5)
    first = actions.schedule(
        circle,
        day=day,
        at=time(12),
        minutes=60,
        zone="UTC",
        details=details,
        by=alice,
        facilitator=bob,
    )
    second = actions.schedule(
        circle,
        day=day + timedelta(days=30),
        at=time(12),
        minutes=60,
        zone="UTC",
        details=details,
        by=alice,
        facilitator=alice,
    )
    client.force_login(bob)
    client.post(reverse("meetings:swap", kwargs={"pk": first.pk}), {"other": second.pk})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.facilitator, second.facilitator) == (alice, bob)


# --- organizer edits --------------------------------------------------------------------------


def test_only_organizers_edit_and_cancel(client, bob, upcoming):
    client.force_login(bob)
    for name in ("meetings:edit", "meetings:cancel"):
        assert client.get(reverse(name, kwargs={"pk": upcoming.pk})).status_code == 403
        assert (
            client.post(reverse(name, kwargs={"pk": upcoming.pk}), {"reason": "x"}).status_code
            == 403
        )
    upcoming.refresh_from_db()
    assert upcoming.status == "scheduled"


def test_organizer_cancels_with_a_reason(client, alice, bob, upcoming):
    client.force_login(alice)
    response = client.post(reverse("meetings:cancel", kwargs={"pk": upcoming.pk}), {"reason": ""})
    assert response.status_code == 400
    client.post(reverse("meetings:cancel", kwargs={"pk": upcoming.pk}), {"reason": "Snowstorm"})
    upcoming.refresh_from_db()
    assert (upcoming.status, upcoming.cancel_reason, upcoming.sequence) == (
        "cancelled",
        "Snowstorm",
        1,
    )
    client.force_login(bob)
    assert "Cancelled: Snowstorm" in client.get(upcoming.get_absolute_url()).content.decode()


def test_organizer_reschedules_one_meeting(client, alice, upcoming):
    client.force_login(alice)
    day = upcoming.local_start.date() + timedelta(days=1)
    response = client.post(
        reverse("meetings:edit", kwargs={"pk": upcoming.pk}),
        {
            "title": "Moved",
            "date": day.isoformat(),
            "start_time": "15:00",
            "duration_minutes": "90",
            "timezone": "America/Detroit",
            "meeting_format": "online",
            "video_link": "",
            "place": "",
            "agenda": "",
        },
    )
    assert response.status_code == 302
    upcoming.refresh_from_db()
    assert (
        upcoming.title,
        upcoming.local_start.date(),
        upcoming.local_start.time(),
        upcoming.duration_minutes,
        upcoming.sequence,
    ) == ("Moved", day, time(15), 90, 1)


def test_the_dashboard_lists_upcoming_meetings_with_rsvp_buttons_and_follow_ups(
    client, alice, upcoming, past
):
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert f'hx-post="/meetings/{upcoming.pk}/rsvp/"' in html
    assert f"/meetings/{past.pk}/attendance/" in html  # organizer: attendance to record
    assert f"/meetings/{past.pk}/log/" in html


def test_a_member_answers_for_a_series_from_the_circle_meetings_page(
    client, bob, circle, make_series
):
    series = make_series(circle)
    client.force_login(bob)
    url = reverse("meetings:circle_meetings", kwargs={"slug": circle.slug})
    html = client.get(url).content.decode()
    assert reverse("meetings:rsvp_series", kwargs={"pk": series.pk}) in html
    response = client.post(
        reverse("meetings:rsvp_series", kwargs={"pk": series.pk}), {"answer": "yes", "next": url}
    )
    assert response["Location"] == url
    assert SeriesRSVP.objects.get(user=bob).answer == "yes"


@pytest.mark.parametrize(("who", "status"), [("bob", 200), ("dana", 200), ("carol", 403)])
def test_circle_meetings_page_is_for_members_and_program_admins(
    client, circle, bob, dana, carol, who, status
):
    client.force_login({"bob": bob, "dana": dana, "carol": carol}[who])
    url = reverse("meetings:circle_meetings", kwargs={"slug": circle.slug})
    assert client.get(url).status_code == status
