"""Calendar output: .ics files (icalendar), invitations (iTIP METHOD:REQUEST) and "add to
Google / Outlook" links."""

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parseaddr
from urllib.parse import urlencode

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress

from outbox.messages import public_url

from .models import Answer, Meeting
from .participation import answers_of

PRODID = "-//Roundtable//Peer mentoring circles//EN"
# Stands for the recipient's ATTENDEE line in an invitation built once for many people;
# addressed_to() replaces it (a whole content line, so folding stays valid).
ATTENDEE_SLOT = "mailto:attendee@roundtable.invalid"


def _event(meeting: Meeting, *, invitation: bool = False) -> Event:
    event = Event()
    # Stable across edits and exports, so calendars update the event instead of adding one.
    event.add("uid", f"{meeting.uid}@roundtable")
    event.add("sequence", meeting.sequence)
    event.add("summary", f"{meeting.title} · {meeting.circle.name}")
    event.add("dtstart", meeting.local_start)  # TZID of the scheduling zone
    event.add("dtend", meeting.local_end)
    event.add("dtstamp", meeting.updated_at.astimezone(UTC))
    event.add("last-modified", meeting.updated_at.astimezone(UTC))
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    event.add("url", public_url(meeting.get_absolute_url()))
    location = meeting.place or meeting.video_link
    if location:
        event.add("location", location)
    description = [meeting.agenda.strip()] if meeting.agenda.strip() else []
    if meeting.video_link:
        description.append(f"Join online: {meeting.video_link}")
    if meeting.is_cancelled and meeting.cancel_reason:
        description.insert(0, f"Cancelled: {meeting.cancel_reason}")
    description.append(f"Details: {public_url(meeting.get_absolute_url())}")
    event.add("description", "\n\n".join(description))
    if invitation:
        event.add("organizer", organizer(meeting))
        event.add("attendee", ATTENDEE_SLOT)
    return event


def organizer(meeting: Meeting) -> vCalAddress:
    """The invitation's ORGANIZER: Roundtable's own sender address, named after the circle.
    The address stays the same whoever edits the meeting later (calendar programs accept
    updates only from the organizer of the event) and is the address the email comes
    from; a reply a calendar program sends there records nothing, so the emails say to
    answer with their buttons."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    calendar_address = vCalAddress(f"mailto:{address}")
    calendar_address.params["cn"] = f"{meeting.circle.name} ({name or 'Roundtable'})"
    return calendar_address


def to_ics(
    meetings: Iterable[Meeting],
    *,
    name: str = "Roundtable",
    method: str = "PUBLISH",
    invitation: bool = False,
) -> bytes:
    """A VCALENDAR with one VEVENT per meeting and a VTIMEZONE for every zone used.
    METHOD:CANCEL (with the event's UID, a higher SEQUENCE and STATUS:CANCELLED) makes
    calendar programs remove the event. An `invitation` (METHOD:REQUEST) names the
    ORGANIZER and holds an attendee slot in every event: `addressed_to()` fills it for
    each recipient, so the costly part (the VTIMEZONE) is built once for all of them."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    for meeting in meetings:
        calendar.add_component(_event(meeting, invitation=invitation))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def feed_meetings(user, *, since: datetime) -> list[Meeting]:
    """The meetings of a person's private feed: their current circles' meetings ending at
    or after `since`, less those they declined (the answer that counts is "no"). A
    declined meeting is left out rather than marked STATUS:CANCELLED, because it still
    takes place for everyone else; calendar apps drop it from the subscription, and it
    comes back if the person changes their answer."""
    meetings = list(
        Meeting.objects.for_member(user)
        .filter(end__gte=since)
        .select_related("circle")
        .order_by("start")
    )
    answers = answers_of(user, meetings)
    return [m for m in meetings if answers.get(m.pk, ("", False))[0] != Answer.NO]


def addressed_to(ics: str, *, email: str, name: str = "", answer: bool = True) -> str:
    """An invitation from to_ics(invitation=True) for one recipient: its ATTENDEE, whose
    answer is still open (`answer`; not for a cancellation). A calendar program shows its
    accept buttons only to an attendee."""
    attendee = vCalAddress(f"mailto:{email}")
    if name:
        attendee.params["cn"] = name
    attendee.params.update(cutype="INDIVIDUAL", role="REQ-PARTICIPANT")
    if answer:
        attendee.params.update(partstat="NEEDS-ACTION", rsvp="TRUE")
    holder = Event()
    holder.add("attendee", attendee)
    line = holder.to_ical().decode().split("\r\n", 1)[1].rsplit("END:VEVENT", 1)[0]
    return ics.replace(f"ATTENDEE:{ATTENDEE_SLOT}\r\n", line)


def calendar_method(ics: str) -> str:
    """The METHOD of a calendar file (PUBLISH when it names none)."""
    match = re.search(r"^METHOD:([A-Z-]+)\r?$", ics, re.MULTILINE)
    return match.group(1) if match else "PUBLISH"


def _utc_stamp(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_link(meeting: Meeting) -> str:
    query = {
        "action": "TEMPLATE",
        "text": f"{meeting.title} · {meeting.circle.name}",
        "dates": f"{_utc_stamp(meeting.start)}/{_utc_stamp(meeting.end)}",
        "details": public_url(meeting.get_absolute_url()),
        "location": meeting.place or meeting.video_link,
        "ctz": meeting.timezone,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_link(meeting: Meeting) -> str:
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": f"{meeting.title} · {meeting.circle.name}",
        "startdt": meeting.start.astimezone(UTC).isoformat(),
        "enddt": meeting.end.astimezone(UTC).isoformat(),
        "body": public_url(meeting.get_absolute_url()),
        "location": meeting.place or meeting.video_link,
    }
    return "https://outlook.office.com/calendar/0/deeplink/compose?" + urlencode(query)
