"""The IANA timezones a person can choose, and their validation.

Two lists, both read from the tz database itself rather than typed in by hand:

- the zones offered in pickers: one per place people live, from the database's
  `zone.tab` (the zones it recommends per country: Asia/Kolkata, Europe/Amsterdam,
  America/Argentina/Buenos_Aires), plus UTC; grouped by region (Africa, America...);
- the old names that still work (its `backward` links, as "L target alias" lines in
  `tzdata.zi`): Asia/Calcutta, Africa/Timbuktu, US/Eastern... A stored alias stays valid
  (the model validator accepts every name zoneinfo knows), is shown as its current zone
  in the picker, and is saved under that name the next time the form is saved.
"""

import zoneinfo
from functools import cache
from importlib import resources
from pathlib import Path

from django.core.exceptions import ValidationError

UTC = "UTC"
# The links to these are spellings of UTC (Etc/Zulu, GMT0, Universal...): they map to UTC.
UTC_TARGETS = {"Etc/UTC", "Etc/GMT"}


def _tz_file(name: str) -> str:
    """A text file of the tz database: the `tzdata` package's copy (the one zoneinfo
    falls back to, pinned in requirements.lock), else the system's (/usr/share/zoneinfo)."""
    try:
        return resources.files("tzdata").joinpath("zoneinfo", name).read_text()
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / name
        if path.exists():
            return path.read_text()
    raise FileNotFoundError(f"{name} of the tz database: install the tzdata package")


@cache
def timezone_names() -> frozenset[str]:
    """Every name a stored timezone may have, aliases included. "localtime" (the server's
    own zone) and "Factory" (a placeholder) are not places anyone lives."""
    return frozenset(zoneinfo.available_timezones() - {"localtime", "Factory"})


@cache
def canonical_names() -> frozenset[str]:
    """The zones pickers offer: zone.tab's, plus UTC."""
    names = {
        line.split("\t")[2]
        for line in _tz_file("zone.tab").splitlines()
        if line and not line.startswith("#")
    }
    # A system database older than the tzdata package may lack a newer zone.
    return frozenset((names | {UTC}) & timezone_names())


@cache
def aliases() -> dict[str, str]:
    """Old name → the offered zone it stands for, from the database's links."""
    canonical = canonical_names()
    found = {}
    for line in _tz_file("tzdata.zi").splitlines():
        if not line.startswith("L "):
            continue
        _, target, alias = line.split()
        if alias in canonical:
            continue  # Europe/Amsterdam links to Brussels but is offered in its own right
        if target in canonical:
            found[alias] = target
        elif target in UTC_TARGETS:
            found[alias] = UTC
    found.update(dict.fromkeys(UTC_TARGETS, UTC))
    found.pop(UTC, None)
    return found


def canonical_timezone(name: str) -> str:
    """The offered zone for `name`; a name with none (Etc/GMT+5, EST5EDT) is kept."""
    return aliases().get(name, name)


def region_of(name: str) -> str:
    return name.split("/", 1)[0] if "/" in name else ""


def place_label(name: str) -> str:
    """What a picker shows under the region's heading: "Kolkata", "Argentina/Buenos Aires"
    (so a plain select's type-ahead finds a city by its first letters)."""
    return name.split("/", 1)[-1].replace("_", " ")


def display_name(name: str) -> str:
    return name.replace("_", " ")


def timezone_choices() -> list:
    """UTC, then one group per region, places sorted by label: Django's grouped choices,
    rendered as <optgroup>s."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in canonical_names() - {UTC}:
        groups.setdefault(region_of(name), []).append((name, place_label(name)))
    return [(UTC, UTC)] + [
        (region, sorted(places, key=lambda place: place[1]))
        for region, places in sorted(groups.items())
    ]


@cache
def aliases_by_zone() -> dict[str, tuple[str, ...]]:
    """Offered zone → its old names (so a picker's search finds Kolkata by "Calcutta")."""
    found: dict[str, list[str]] = {}
    for alias, zone in aliases().items():
        found.setdefault(zone, []).append(alias)
    return {zone: tuple(sorted(names)) for zone, names in found.items()}


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
