"""The IANA timezones a person can choose, and their validation."""

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError


@cache
def timezone_names() -> tuple[str, ...]:
    # available_timezones() also lists legacy aliases such as "US/Eastern"; they are valid
    # IANA names and people do pick them, so they stay. "localtime" (the server's own zone)
    # and "Factory" (a placeholder) are not places anyone lives.
    return tuple(sorted(zoneinfo.available_timezones() - {"localtime", "Factory"}))


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in timezone_names()]


def is_valid_timezone(name: str) -> bool:
    return name in timezone_names()


def validate_timezone(value: str) -> None:
    if not is_valid_timezone(value):
        raise ValidationError(
            "“%(value)s” is not a timezone we know. Choose one from the list, "
            "for example America/Detroit or Europe/London.",
            code="invalid_timezone",
            params={"value": value},
        )
