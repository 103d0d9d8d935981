import smtplib
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from circles import actions as circle_actions
from meetings import actions, reminders
from meetings.models import RSVP, Attendance, Meeting, Survey
from outbox import delivery
from outbox.messages import notify
from outbox.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DETROIT = ZoneInfo("America/Detroit")


@pytest.fixture
def soon(circle, alice, details):
    """A meeting three days from now, 12:00 in Detroit."""
    day = timezone.localdate() + timedelta(days=3)
    return actions.schedule(
        circle, day=day, at=time(12), minutes=60, zone="America/Detroit", details=details, by=alice
    )


def reminder_rows(meeting, user=None):
    rows = Notification.objects.filter(kind="reminder", meeting=meeting)
    return rows.filter(recipient=user) if user else rows


# --- the outbox -------------------------------------------------------------------------------


def test_notify_writes_a_row_and_the_same_key_never_twice(bob, circle, mailoutbox):
    notify(
        "charter_changed", bob, circle=circle, key="k1", context={"charter": circle.current_charter}
    )
    notify(
        "charter_changed", bob, circle=circle, key="k1", context={"charter": circle.current_charter}
    )
    row = Notification.objects.get()
    assert (row.status, row.email, row.attempts) == ("sent", bob.email, 1)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].extra_headers["Message-ID"] == f"<notification-{row.pk}@roundtable.local>"
    assert row.message_id == mailoutbox[0].extra_headers["Message-ID"]


def test_account_emails_go_through_the_outbox(client, mailoutbox):
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Erin",
            "email": "erin@example.org",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )
    row = Notification.objects.get(kind="account")
    assert row.status == "sent" and row.email == "erin@example.org"
    assert "/accounts/confirm-email/" in mailoutbox[0].body


def test_a_transient_smtp_error_retries_with_growing_delays_then_fails(
    bob, circle, settings, monkeypatch
):
    settings.NOTIFICATIONS_DELIVERY = "celery"  # queue only; this test sends by hand
    row = notify("charter_changed", bob, circle=circle, context={"charter": circle.current_charter})

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("try later")

    monkeypatch.setattr(mail.EmailMessage, "send", refuse)
    delays = []
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        Notification.objects.filter(pk=row.pk).update(due_at=timezone.now())
        before = timezone.now()
        delivery.deliver_due()
        row.refresh_from_db()
        assert row.attempts == attempt
        delays.append(round((row.due_at - before).total_seconds() / 60))
    assert row.status == "failed"
    assert "try later" in row.last_error
    assert delays[:5] == [1, 2, 4, 8, 16]


def test_delivery_recovers_after_the_mail_server_comes_back(
    bob, circle, settings, monkeypatch, mailoutbox
):
    settings.NOTIFICATIONS_DELIVERY = "celery"
    row = notify("charter_changed", bob, circle=circle, context={"charter": circle.current_charter})
    real_send = mail.EmailMessage.send
    monkeypatch.setattr(
        mail.EmailMessage,
        "send",
        lambda self, *a, **k: (_ for _ in ()).throw(ConnectionRefusedError()),
    )
    delivery.deliver_due()
    monkeypatch.setattr(mail.EmailMessage, "send", real_send)
    Notification.objects.filter(pk=row.pk).update(due_at=timezone.now())
    assert delivery.deliver_due()["sent"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, len(mailoutbox)) == ("sent", 2, 1)


def test_rows_left_sending_by_a_dead_worker_go_back_to_pending(bob, circle, settings):
    settings.NOTIFICATIONS_DELIVERY = "celery"
    row = notify("charter_changed", bob, circle=circle, context={"charter": circle.current_charter})
    assert delivery.claim_due() == [[row.pk]]
    assert delivery.claim_due() == []  # claimed rows are not claimed twice
    Notification.objects.filter(pk=row.pk).update(
        claimed_at=timezone.now() - delivery.STUCK_AFTER - timedelta(seconds=1)
    )
    assert delivery.claim_due() == [[row.pk]]


def test_a_batch_skips_rows_already_sent(bob, circle, settings, mailoutbox):
    settings.NOTIFICATIONS_DELIVERY = "celery"
    row = notify("charter_changed", bob, circle=circle, context={"charter": circle.current_charter})
    [ids] = delivery.claim_due()
    assert delivery.send_batch(ids)["sent"] == 1
    assert delivery.send_batch(ids)["sent"] == 0  # a redelivered task
    assert len(mailoutbox) == 1 and Notification.objects.get(pk=row.pk).status == "sent"


# --- reminders -----------------------------------------------------------------------------------


def test_reminders_follow_each_members_preferences(alice, bob, circle, details):
    bob.reminder_minutes = [15]
    bob.save()
    day = timezone.localdate() + timedelta(days=3)
    soon = actions.schedule(
        circle, day=day, at=time(12), minutes=60, zone="America/Detroit", details=details, by=alice
    )
    reminders.plan_reminders()
    assert sorted(reminder_rows(soon, alice).values_list("offset_minutes", flat=True)) == [
        120,
        1440,
    ]
    assert list(reminder_rows(soon, bob).values_list("offset_minutes", flat=True)) == [15]
    assert reminders.plan_reminders() == 0  # idempotent: nothing twice


def test_a_day_before_keeps_the_wall_clock_across_a_dst_change(circle, alice, details, bob):
    # Detroit moves its clocks forward in the night before Sunday 8 March 2026.
    meeting = actions.schedule(
        circle,
        day=date(2026, 3, 8),
        at=time(12),
        minutes=60,
        zone="America/Detroit",
        details=details,
        by=alice,
    )
    day_before = reminders.reminder_due(meeting, 24 * 60)
    assert day_before.astimezone(DETROIT).replace(tzinfo=None).isoformat() == "2026-03-07T12:00:00"
    utc = ZoneInfo("UTC")
    assert meeting.start.astimezone(utc) - day_before.astimezone(utc) == timedelta(hours=23)
    two_hours = reminders.reminder_due(meeting, 120)
    assert meeting.start.astimezone(utc) - two_hours.astimezone(utc) == timedelta(hours=2)


def test_no_reminders_for_members_on_leave_who_said_no_or_muted(alice, bob, circle, soon):
    carl, dora = UserFactory(), UserFactory()
    circle.memberships.create(user=carl, status="active", joined_at=timezone.now())
    m = circle.memberships.create(user=dora, status="active", joined_at=timezone.now())
    circle_actions.start_leave(m, by=dora)
    RSVP.objects.create(meeting=soon, user=bob, answer="no")
    reminders.plan_reminders()
    # Bob's were planned when the meeting was scheduled, before he said no.
    assert set(reminder_rows(soon).values_list("recipient", flat=True)) == {
        alice.pk,
        bob.pk,
        carl.pk,
    }
    # Preferences are read again at send time: alice mutes the circle after planning.
    membership = circle.memberships.get(user=alice)
    membership.reminders_muted = True
    membership.save()
    Notification.objects.filter(kind="reminder").update(due_at=timezone.now())
    counts = delivery.deliver_due()
    assert counts == {"sent": 2, "retry": 0, "failed": 0, "cancelled": 4}
    sent = reminder_rows(soon).filter(status="sent").values_list("recipient", flat=True)
    assert set(sent) == {carl.pk}


def test_a_reminder_shows_the_recipients_time_rsvp_links_ics_and_unsubscribe(bob, soon, mailoutbox):
    bob.timezone = "Asia/Tokyo"
    bob.save()
    reminders.plan_reminders()
    Notification.objects.filter(kind="reminder", recipient=bob).update(due_at=timezone.now())
    delivery.deliver_due()
    message = next(m for m in mailoutbox if m.to == [bob.email] and "Reminder" in m.subject)
    tokyo = soon.start.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"{tokyo:%H:%M}" in message.body and "Asia/Tokyo" in message.body
    assert message.extra_headers["List-Unsubscribe"].endswith("/profile/notifications/>")
    assert "/rsvp/" in message.body and "https://example.org/meet" in message.body
    filename, content, mimetype = message.attachments[0]
    assert filename == "meeting.ics" and mimetype.startswith("text/calendar")
    assert str(Calendar.from_ical(content).walk("VEVENT")[0]["UID"]) == f"{soon.uid}@roundtable"


def test_an_rsvp_link_shows_a_page_and_only_its_button_answers(client, bob, soon):
    token = reminders.rsvp_token(soon, bob, "no")
    url = reverse("meetings:rsvp_link", kwargs={"token": token})
    page = client.get(url)
    assert page.status_code == 200 and b'method="post"' in page.content
    assert not RSVP.objects.exists()  # a mail scanner's GET changes nothing
    client.post(url)
    assert RSVP.objects.get(user=bob).answer == "no"
    assert client.get(url[:-5] + "xxxx/").status_code == 404


def test_an_rsvp_link_is_private_and_closes_with_the_meeting_or_the_seat(client, alice, bob, soon):
    """A signed link cannot be revoked: it opens nothing once answers close or its person
    left the circle, and no cache keeps the page."""
    url = reverse("meetings:rsvp_link", kwargs={"token": reminders.rsvp_token(soon, bob, "no")})
    page = client.get(url)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    Meeting.objects.filter(pk=soon.pk).update(start=timezone.now() - timedelta(minutes=1))
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404 and not RSVP.objects.exists()
    Meeting.objects.filter(pk=soon.pk).update(start=timezone.now() + timedelta(days=1))
    from circles.actions import leave

    leave(soon.circle.memberships.get(user=bob), by=bob)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404 and not RSVP.objects.exists()


def test_rescheduling_moves_pending_reminders_and_tells_members(
    alice, bob, soon, details, mailoutbox, settings
):
    reminders.plan_reminders()
    new_day = soon.local_start.date() + timedelta(days=1)
    actions.edit(
        soon, day=new_day, at=time(15), minutes=60, details=details, following=False, by=alice
    )
    soon.refresh_from_db()
    for row in reminder_rows(soon, bob):
        assert row.due_at == reminders.reminder_due(soon, row.offset_minutes)
    changed = [m for m in mailoutbox if "has changed" in m.subject]
    assert [m.to[0] for m in changed] == [bob.email]  # not alice, who made the change
    ics = Calendar.from_ical(changed[0].attachments[0][1])
    assert int(ics.walk("VEVENT")[0]["SEQUENCE"]) == 1


def test_cancelling_cancels_reminders_and_sends_an_ics_that_removes_the_event(
    alice, bob, soon, mailoutbox
):
    reminders.plan_reminders()
    actions.cancel(soon, reason="Snow", following=False, by=alice)
    assert set(reminder_rows(soon).values_list("status", flat=True)) == {"cancelled"}
    cancelled = [m for m in mailoutbox if "is cancelled" in m.subject]
    assert len(cancelled) == 1 and "Snow" in cancelled[0].body  # to bob, not alice
    calendar = Calendar.from_ical(cancelled[0].attachments[0][1])
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(calendar.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


# --- surveys -------------------------------------------------------------------------------------


@pytest.fixture
def held(circle, alice, bob, details):
    day = timezone.localdate() - timedelta(days=1)
    meeting = actions.schedule(
        circle, day=day, at=time(9), minutes=60, zone="UTC", details=details, by=alice
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        start=timezone.now() - timedelta(hours=4), end=timezone.now() - timedelta(hours=3)
    )
    meeting.refresh_from_db()
    return meeting


def survey_link(mailoutbox, user):
    body = next(m.body for m in mailoutbox if m.to == [user.email] and "How was" in m.subject)
    return body[body.index("/surveys/") :].split()[0]


def test_surveys_go_to_those_who_attended_two_hours_after_the_end(alice, bob, held, mailoutbox):
    Attendance.objects.create(meeting=held, user=bob, status="present")
    Attendance.objects.create(meeting=held, user=alice, status="absent")
    assert reminders.plan_surveys() == 1
    row = Notification.objects.get(kind="survey")
    assert row.recipient == bob and row.due_at == held.end + timedelta(hours=2)
    assert reminders.plan_surveys() == 0


def test_without_attendance_surveys_go_to_those_who_said_yes(alice, bob, held):
    RSVP.objects.create(meeting=held, user=bob, answer="yes")
    reminders.plan_surveys()
    assert list(Notification.objects.filter(kind="survey").values_list("recipient", flat=True)) == [
        bob.pk
    ]


def test_a_survey_link_works_once_and_expires(client, bob, held, mailoutbox):
    RSVP.objects.create(meeting=held, user=bob, answer="yes")
    reminders.plan_surveys()
    Notification.objects.filter(kind="survey").update(due_at=timezone.now())
    delivery.deliver_due()
    link = survey_link(mailoutbox, bob)
    assert client.get(link).status_code == 200
    bad = client.post(link, {"usefulness": "9"})
    assert bad.status_code == 400 and not Survey.objects.get().answered_at
    done = client.post(
        link,
        {
            "usefulness": "4",
            "got": ["networking", "wellbeing"],
            "recommend": "9",
            "comment": "Helpful",
        },
    )
    assert b"Thank you" in done.content
    survey = Survey.objects.get()
    assert (survey.usefulness, survey.got, survey.recommend) == (4, ["networking", "wellbeing"], 9)
    assert client.post(link, {"usefulness": "1"}).status_code == 410
    assert Survey.objects.get().usefulness == 4
    Survey.objects.update(answered_at=None, expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(link).status_code == 410
    assert client.get("/surveys/nope/").status_code == 404


def test_survey_results_appear_only_from_three_answers_and_comments_only_in_the_circle(
    client, alice, bob, dana, circle, held
):
    people = [bob, UserFactory(), UserFactory()]
    for i, person in enumerate(people):
        Survey.objects.create(
            meeting=held,
            user=person,
            token_hash=f"h{i}",
            expires_at=timezone.now() + timedelta(days=1),
        )

    def answer(person, score, comment):
        Survey.objects.filter(meeting=held, user=person).update(
            answered_at=timezone.now(),
            usefulness=score,
            got=["networking"],
            recommend=8,
            comment=comment,
        )

    answer(people[0], 5, "Loved the negotiation role-play")
    answer(people[1], 3, "")
    client.force_login(alice)
    html = client.get(held.get_absolute_url()).content.decode()
    assert "2 of 3 answered" in html and "Results appear once at least three" in html
    assert "Loved the negotiation" not in html
    answer(people[2], 4, "More time please")
    html = client.get(held.get_absolute_url()).content.decode()
    assert "Mean usefulness <strong>4.0</strong>" in html
    assert (
        "Loved the negotiation role-play" in html
        and bob.display_name not in html.split("survey-heading")[1].split("</section>")[0]
    )
    client.force_login(dana)  # program admin: aggregate, no comments
    html = client.get(held.get_absolute_url()).content.decode()
    assert "Mean usefulness" in html and "Loved the negotiation" not in html
    client.force_login(bob)  # members see no results
    assert "Mean usefulness" not in client.get(held.get_absolute_url()).content.decode()


def test_notification_settings_page(client, bob, circle):
    client.force_login(bob)
    url = reverse("members:notifications")
    membership = circle.memberships.get(user=bob)
    client.post(url, {"reminder_minutes": ["10080", "15"], f"mute_{membership.pk}": "on"})
    bob.refresh_from_db()
    membership.refresh_from_db()
    assert bob.reminder_minutes == [10080, 15] and membership.reminders_muted
    assert client.post(url, {"reminder_minutes": ["7"]}).status_code == 400


def test_open_surveys_are_on_the_dashboard_and_answerable_there(client, bob, held, carol):
    Survey.objects.create(
        meeting=held, user=bob, token_hash="x", expires_at=timezone.now() + timedelta(days=3)
    )
    client.force_login(bob)
    url = reverse("meetings:my_survey", kwargs={"pk": held.pk})
    assert url in client.get("/").content.decode()
    client.post(url, {"usefulness": "5"})
    assert Survey.objects.get().usefulness == 5
    assert url not in client.get("/").content.decode()
    client.force_login(carol)  # someone else's survey: none for them
    assert client.get(url).status_code == 404
