"""Turning a local wall-clock time in a named zone into an instant, honestly.

Meetings are stored in UTC with the zone they were scheduled in; series are generated in
that zone, so 12:00 stays 12:00 across daylight-saving changes. Two local times need care:
one that does not exist (the hour skipped when clocks go forward) is refused, and one that
happens twice (the hour repeated when clocks go back) is resolved to its first occurrence.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


class NonexistentLocalTime(ValueError):
    """The local time falls in the hour skipped by a daylight-saving change."""


def localize(day: date, at: time, zone: str) -> datetime:
    """The aware datetime for wall-clock `at` on `day` in `zone`. Raises
    NonexistentLocalTime for a skipped time; takes the first of two for a repeated one."""
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz, fold=0)
    # A time that exists survives the round trip through UTC unchanged.
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise NonexistentLocalTime(
            f"{at:%H:%M} does not exist on {day:%-d %B %Y} in {zone}: the clocks go forward "
            "that night. Choose a time outside the skipped hour."
        )
    return aware


def is_ambiguous(day: date, at: time, zone: str) -> bool:
    """Whether `at` happens twice on `day` in `zone` (the clocks go back that night)."""
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz, fold=0).utcoffset()
    second = naive.replace(tzinfo=tz, fold=1).utcoffset()
    return first != second and not _is_gap(naive, tz)


def _is_gap(naive: datetime, tz: ZoneInfo) -> bool:
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive


def zone_label(moment: datetime, zone: str) -> str:
    """“EDT (America/Detroit)”: the abbreviation people know and the name that is exact."""
    return f"{moment.astimezone(ZoneInfo(zone)):%Z} ({zone})"
