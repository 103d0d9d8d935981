"""Meeting times for people: always with the zone they are in."""

from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone

register = template.Library()


def _range(meeting, tz) -> str:
    start = meeting.start.astimezone(tz)
    end = meeting.end.astimezone(tz)
    same_day = start.date() == end.date()
    end_text = f"{end:%H:%M}" if same_day else f"{end:%a %-d %b %H:%M}"
    return f"{start:%a %-d %b %Y, %H:%M}–{end_text} {start:%Z}"


@register.filter
def viewer_time(meeting) -> str:
    """In the viewer's zone (activated from their profile), e.g. “Tue 10 Mar 2026,
    12:00–13:00 EDT”."""
    return _range(meeting, timezone.get_current_timezone())


@register.filter
def circle_time(meeting) -> str:
    """In the zone the meeting was scheduled in."""
    return _range(meeting, ZoneInfo(meeting.timezone))


@register.simple_tag
def viewer_zone() -> str:
    return timezone.get_current_timezone_name()
