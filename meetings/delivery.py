"""Sending the outbox exactly once.

1. `claim_due()` (the beat sweep, or a kick after commit) moves due *pending* rows to
   *sending* with `select_for_update(skip_locked=True)`, so two sweeps never take the same
   row, and returns their ids in batches for the email queue.
2. `send_batch(ids)` (a worker task, acks late) sends each row still *sending* over one
   SMTP connection and marks it *sent* with a conditional UPDATE. A transient error puts
   the row back to *pending* with a growing delay; after MAX_ATTEMPTS it is *failed*.
3. Rows left in *sending* by a worker that died are put back to *pending* after
   STUCK_AFTER by the next sweep. A message may then go out twice; every message carries
   a Message-ID made from its row id, so a receiver (and our tests) can count duplicates.
"""

import contextlib
import logging
import smtplib
import socket
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
MAX_IN_FLIGHT = 20 * BATCH_SIZE
MAX_ATTEMPTS = 6
STUCK_AFTER = timedelta(seconds=settings.NOTIFICATIONS_STUCK_AFTER_SECONDS)
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError, socket.timeout)

Status = Notification.Status


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8, 16 minutes (with the default base)... capped at an hour."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** (attempts - 1), 3600))


def message_id(notification: Notification) -> str:
    domain = settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN
    return f"<notification-{notification.pk}@{domain}>"


def requeue_stuck() -> int:
    return Notification.objects.stuck(STUCK_AFTER).update(status=Status.PENDING, claimed_at=None)


def claim_due(limit: int = 10 * BATCH_SIZE) -> list[list[int]]:
    """Claim up to `limit` due rows; return their ids in batches. Back-pressure: no more
    than MAX_IN_FLIGHT rows wait in the queue at once, so a backlog stays in the database
    (where it is cheap and visible) instead of ageing in Redis until it looks stuck."""
    requeue_stuck()
    room = MAX_IN_FLIGHT - Notification.objects.filter(status=Status.SENDING).count()
    limit = min(limit, room)
    if limit <= 0:
        return []
    with transaction.atomic():
        ids = list(
            Notification.objects.due()
            .order_by("due_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        Notification.objects.filter(pk__in=ids, status=Status.PENDING).update(
            status=Status.SENDING, claimed_at=timezone.now()
        )
    return [ids[i : i + BATCH_SIZE] for i in range(0, len(ids), BATCH_SIZE)]


def release(ids: list[int]) -> None:
    """Give claimed rows back (their batch could not be enqueued)."""
    Notification.objects.filter(pk__in=ids, status=Status.SENDING).update(
        status=Status.PENDING, claimed_at=None
    )


def send_batch(ids: list[int]) -> dict[str, int]:
    """Send the rows among `ids` that are still claimed, over one connection."""
    from .reminders import build_message  # reminders and surveys render at send time

    counts = {"sent": 0, "retry": 0, "failed": 0, "cancelled": 0}
    rows = list(
        Notification.objects.filter(pk__in=ids, status=Status.SENDING)
        .select_related("recipient", "meeting__circle", "circle")
        .order_by("pk")
    )
    if not rows:
        return counts
    connection = get_connection()
    try:
        connection.open()
    except TRANSIENT_ERRORS as exc:
        for row in rows:
            counts[_retry(row, exc)] += 1
        return counts
    # One UPDATE counts the attempt for the whole batch before anything is sent.
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(attempts=F("attempts") + 1)
    cache: dict = {"users": {r.recipient_id for r in rows if r.recipient_id}}
    try:
        for row in rows:
            message = build_message(row, cache)
            if message is None:  # no longer wanted (cancelled meeting, answered no...)
                Notification.objects.filter(pk=row.pk, status=Status.SENDING).update(
                    status=Status.CANCELLED
                )
                counts["cancelled"] += 1
                continue
            message.connection = connection
            message.extra_headers["Message-ID"] = message_id(row)
            try:
                message.send()
            except TRANSIENT_ERRORS as exc:
                row.attempts += 1
                counts[_retry(row, exc, counted=True)] += 1
                if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
                    try:
                        connection.close()
                        connection.open()
                    except TRANSIENT_ERRORS:
                        pass
                continue
            Notification.objects.filter(pk=row.pk, status=Status.SENDING).update(
                status=Status.SENT,
                sent_at=timezone.now(),
                message_id=message_id(row),
                last_error="",
            )
            counts["sent"] += 1
    finally:
        with contextlib.suppress(TRANSIENT_ERRORS):
            connection.close()
    return counts


def _retry(row: Notification, exc: Exception, counted: bool = False) -> str:
    attempts = row.attempts if counted else row.attempts + 1
    failed = attempts >= MAX_ATTEMPTS
    Notification.objects.filter(pk=row.pk, status=Status.SENDING).update(
        status=Status.FAILED if failed else Status.PENDING,
        attempts=attempts,
        due_at=timezone.now() + backoff(attempts),
        claimed_at=None,
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )
    logger.warning("notification %s not sent (attempt %s): %s", row.pk, attempts, exc)
    return "failed" if failed else "retry"


def deliver_due() -> dict[str, int]:
    """Claim and send everything due, in this process (tests; no broker involved)."""
    totals = {"sent": 0, "retry": 0, "failed": 0, "cancelled": 0}
    for batch in claim_due():
        for key, value in send_batch(batch).items():
            totals[key] += value
    return totals


def stored_message(row: Notification) -> EmailMultiAlternatives:
    """The message rendered when the notification was created."""
    message = EmailMultiAlternatives(row.subject, row.body_text, to=[row.email])
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    if row.ics:
        message.attach("meeting.ics", row.ics, "text/calendar; method=PUBLISH; charset=utf-8")
    return message
