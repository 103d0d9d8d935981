"""Meeting times for people: always with the zone they are in."""

from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone

register = template.Library()


def time_range(meeting, tz) -> str:
    """“Tue 10 Mar 2026, 12:00–13:00 EDT”: `meeting` (anything with a start, an end and a
    timezone) in the zone `tz`."""
    start = meeting.start.astimezone(tz)
    end = meeting.end.astimezone(tz)
    same_day = start.date() == end.date()
    end_text = f"{end:%H:%M}" if same_day else f"{end:%a %-d %b %H:%M}"
    return f"{start:%a %-d %b %Y, %H:%M}–{end_text} {start:%Z}"


@register.filter
def viewer_time(meeting) -> str:
    """In the viewer's zone (activated from their profile), e.g. “Tue 10 Mar 2026,
    12:00–13:00 EDT”."""
    return time_range(meeting, timezone.get_current_timezone())


@register.filter
def circle_time(meeting) -> str:
    """In the zone the meeting was scheduled in."""
    return time_range(meeting, ZoneInfo(meeting.timezone))


def reads_differently(meeting, tz) -> bool:
    """Whether the zone the meeting was scheduled in shows other clock times than `tz`
    (America/Detroit and America/New_York do not: no need to show both)."""
    own = ZoneInfo(meeting.timezone)
    return any(
        moment.astimezone(tz).utcoffset() != moment.astimezone(own).utcoffset()
        for moment in (meeting.start, meeting.end)
    )


@register.filter
def reader_time(meeting) -> str:
    """For emails and pages read by one person: the meeting in the reader's zone (the
    current one: the viewer's, or the recipient's while an email is rendered) with its
    name, and beside it the circle's time when that reads differently, e.g. “Tue 10 Mar
    2026, 11:00–12:00 CDT (America/Chicago) · 12:00–13:00 EDT circle time
    (America/Detroit)”."""
    tz = timezone.get_current_timezone()
    text = f"{time_range(meeting, tz)} ({timezone.get_current_timezone_name()})"
    if reads_differently(meeting, tz):
        text += f" · {circle_time(meeting)} circle time ({meeting.timezone})"
    return text


@register.simple_tag
def viewer_zone() -> str:
    return timezone.get_current_timezone_name()
