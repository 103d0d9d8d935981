"""Every user-facing email of Roundtable goes through `notify()`: it writes one
Notification row (the outbox) and nothing else, so a web request never waits on the
broker or the mail server. Delivery (outbox/delivery.py) claims due rows and sends them
from a Celery worker; the sweep in celery beat picks up anything a failed enqueue missed.
The kind must be registered (outbox/kinds.py) by the app that has the reason to send.

Templates: `templates/emails/<kind>.subject.txt`, `<kind>.txt` (inside
{% autoescape off %}: plain text must not be HTML-escaped) and `<kind>.html`.
"""

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from . import delivery, kinds
from .models import Notification, secret_slot
from .tasks import dispatch_due_notifications

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""


def recipient_of(to) -> Recipient:
    if isinstance(to, str):
        return Recipient(email=to.lower())
    return Recipient(email=to.email, name=to.display_name)


def public_url(path_or_url: str) -> str:
    """`path_or_url` on the public site (settings.SITE_URL): the one base of every link
    in an email, whatever host a request came in on and whoever renders the message."""
    parts = urlsplit(path_or_url)
    path = urlunsplit(("", "", parts.path, parts.query, parts.fragment))
    return settings.SITE_URL.rstrip("/") + path


def render(kind: str, recipient: Recipient, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) of the `kind` email for `recipient`."""
    context = {"recipient": recipient, "site_url": settings.SITE_URL.rstrip("/"), **context}
    # Dates in the templates read in the recipient's zone when the caller names it.
    zone = ZoneInfo(context["zone"]) if context.get("zone") else timezone.get_current_timezone()
    with timezone.override(zone):
        subject = render_to_string(f"emails/{kind}.subject.txt", context)
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
        return (
            subject,
            render_to_string(f"emails/{kind}.txt", context),
            render_to_string(f"emails/{kind}.html", context),
        )


def notify(
    kind: str,
    to,
    *,
    context: dict | None = None,
    circle=None,
    meeting=None,
    key: str | None = None,
    ics: str = "",
    due_at: datetime | None = None,
    secrets: dict[str, str] | None = None,
):
    """Queue the `kind` email to `to` (a user or an address), rendered now. A `key`
    makes it idempotent: the same reason never produces a second message.

    A link that carries a token (invitations, one-click answers...) goes in `secrets`,
    never in `context`: the template sees a slot under the same name, the stored row
    keeps the link only until it is sent, and the sent row opens nothing."""
    kinds.get(kind)  # an unregistered kind is a programming error, caught before queueing
    recipient = recipient_of(to)
    slots = {name: secret_slot(name) for name in secrets or {}}
    subject, text, html = render(
        kind, recipient, {"circle": circle, "meeting": meeting, **(context or {}), **slots}
    )
    values = {
        "kind": kind,
        "recipient": None if isinstance(to, str) else to,
        "email": recipient.email,
        "circle": circle,
        "meeting": meeting,
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "ics": ics,
        "secrets": dict(secrets or {}),
    }
    if due_at:
        values["due_at"] = due_at
    notification, created = Notification.objects.get_or_create(
        dedupe_key=key or f"{kind}:{uuid.uuid4()}", defaults=values
    )
    if created:
        _after_queueing()
    return notification


def queue_rendered(
    kind: str,
    email: str,
    *,
    subject: str,
    text: str,
    html: str = "",
    recipient=None,
    secrets: dict[str, str] | None = None,
):
    """Queue a message someone else rendered (allauth's account emails), with its secret
    values already replaced by their slots (`secret_slot(name)`)."""
    kinds.get(kind)
    Notification.objects.create(
        kind=kind,
        recipient=recipient,
        email=email.lower(),
        subject=subject,
        body_text=text,
        body_html=html,
        secrets=dict(secrets or {}),
        dedupe_key=f"{kind}:{uuid.uuid4()}",
    )
    _after_queueing()


def _after_queueing() -> None:
    if settings.NOTIFICATIONS_DELIVERY == "immediate":
        # Unit tests only: their transaction never commits, so send right away in-process
        # (the same claim-and-send code a worker runs, without the broker).
        delivery.deliver_due()
        return
    # One kick per transaction, however many rows it queued.
    pending = transaction.get_connection().run_on_commit
    if not any(func is kick for _, func, _ in pending):
        transaction.on_commit(kick, robust=True)


# When the broker last refused us (monotonic seconds): kicks pause for a while after.
_broker_failed_at = -1e9
BROKER_RETRY_AFTER = 30


def kick() -> None:
    """Ask for delivery now instead of at the next sweep, without ever making the request
    wait: the publish runs in a background thread, and is skipped for a while after the
    broker failed. Rows stay in the database; the beat sweep sends them either way."""
    if time.monotonic() - _broker_failed_at < BROKER_RETRY_AFTER:
        return
    threading.Thread(target=_publish_dispatch, name="notifications-kick", daemon=True).start()


def _publish_dispatch() -> None:
    global _broker_failed_at
    try:
        dispatch_due_notifications.apply_async(retry=False)
    except Exception:  # the broker is unreachable: the sweep will do it
        _broker_failed_at = time.monotonic()
        logger.warning("could not reach the broker; notifications wait for the sweep")


def ask_for_delivery() -> None:
    """Ask for delivery after an app created rows of a kind with a builder itself
    (announcements of meetings), as notify() does for the rows it writes."""
    _after_queueing()
