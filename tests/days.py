"""Days counted from today, for tests that must pass on any day they run (`--today`)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone


def clocks_change(*, forward: bool, zone: str = "America/Detroit", after: date | None = None):
    """The next day after `after` (default: today) on which `zone` moves its clocks
    forward (a skipped hour) or back (a repeated hour)."""
    tz = ZoneInfo(zone)
    day = (after or timezone.localdate()) + timedelta(days=1)
    for _ in range(400):
        midnight = datetime.combine(day, time(0), tz).utcoffset()
        noon = datetime.combine(day, time(12), tz).utcoffset()
        if midnight != noon and (noon > midnight) == forward:
            return day
        day += timedelta(days=1)
    raise LookupError(f"{zone} changes no clocks within a year after {after}")
