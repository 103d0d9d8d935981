"""The open registry of email kinds. The outbox knows no feature app: each app registers
the kinds of email it has a reason to send (from a module its AppConfig.ready() imports),
with the label the admin shows and, where the message must be built when it is sent
rather than when it was queued, the function that builds it then.

    REMINDER = kinds.register("reminder", "Meeting reminder", build=build_reminder)

A builder takes the row and a dict shared by the rows of one batch (to cache what is the
same for many recipients) and returns the message, or None when it is no longer wanted
(the row is then marked cancelled). Kinds without a builder are rendered from
`templates/emails/<kind>.*` when `notify()` queues them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

Builder = Callable[[Any, dict], Any]


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    build: Builder | None = None


_registry: dict[str, Kind] = {}

MAX_LENGTH = 30  # Notification.kind's column


def register(name: str, label: str, *, build: Builder | None = None) -> str:
    """Register a kind (idempotent for the same definition); return its name."""
    kind = Kind(name, label, build)
    if len(name) > MAX_LENGTH:
        raise ImproperlyConfigured(f"email kind {name!r} is longer than {MAX_LENGTH}")
    if _registry.get(name, kind) != kind:
        raise ImproperlyConfigured(f"email kind {name!r} is registered twice, differently")
    _registry[name] = kind
    return name


def get(name: str) -> Kind:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"no email kind {name!r} is registered") from None


def label(name: str) -> str:
    kind = _registry.get(name)
    return kind.label if kind else name


def choices() -> list[tuple[str, str]]:
    return sorted(((k.name, k.label) for k in _registry.values()), key=lambda c: c[1])
