"""Sending the outbox exactly once.

1. `claim_due()` (the beat sweep, or a kick after commit) moves due *pending* rows to
   *sending* with `select_for_update(skip_locked=True)`, so two sweeps never take the same
   row, and returns their ids in batches for the email queue.
2. `send_batch(ids)` (a worker task, acks late) first *takes* the rows still *sending*
   and taken by no one, with one conditional UPDATE that writes a random id of this run
   into `claimed_by`: a copy of the same batch redelivered while the first still runs
   takes nothing, so no row is sent by two runs. It then sends each row it took over one
   SMTP connection; the rows sent are marked *sent* together, by a conditional UPDATE at
   most MARK_EVERY after they went out (so a batch costs the same few statements whatever
   its size). The same UPDATE clears the row's secrets (links with tokens, put back into
   the message only as it is sent), so a sent row holds no usable link. A transient error
   puts the row back to *pending* with a growing delay; after MAX_ATTEMPTS it is *failed*
   (and its secrets are cleared too).
3. Rows left in *sending* by a worker that died are put back to *pending* after
   STUCK_AFTER by the next sweep. A message may then go out twice (it was sent, the
   worker died before marking it); every message carries a Message-ID made from its row
   id, so a receiver (and our tests) can count duplicates.

How each kind's message is built is the registering app's business (outbox/kinds.py):
the outbox imports no feature app.
"""

import contextlib
import logging
import smtplib
import socket
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.html import escape

from . import kinds
from .mime import OutboxMessage
from .models import Notification, secret_slot

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
MAX_IN_FLIGHT = 20 * BATCH_SIZE
MAX_ATTEMPTS = 6
STUCK_AFTER = timedelta(seconds=settings.NOTIFICATIONS_STUCK_AFTER_SECONDS)
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError, socket.timeout)

Status = Notification.Status


# Rows marked sent (or cancelled) are recorded together, at most this long after they
# went out, in one UPDATE: the statements per batch do not grow with its size. A worker
# killed in between leaves those rows "sending"; they go out again after STUCK_AFTER,
# with the same Message-ID (the duplicates stay bounded by the rows in flight).
MARK_EVERY = timedelta(seconds=0.5)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8, 16 minutes (with the default base)... capped at an hour."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** (attempts - 1), 3600))


def message_id(notification: Notification) -> str:
    domain = settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN
    return f"<notification-{notification.pk}@{domain}>"


def message_id_sql() -> Concat:
    """message_id() as the database writes it for many rows at once."""
    domain = settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN
    parts = (Value("<notification-"), Cast("pk", CharField()), Value(f"@{domain}>"))
    return Concat(*parts, output_field=CharField())


def requeue_stuck() -> int:
    return Notification.objects.stuck(STUCK_AFTER).update(
        status=Status.PENDING, claimed_at=None, claimed_by=""
    )


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
    Notification.objects.filter(pk__in=ids, status=Status.SENDING, claimed_by="").update(
        status=Status.PENDING, claimed_at=None
    )


def take(ids: list[int]) -> str | None:
    """Take the rows among `ids` that are still *sending* and taken by no other run, for
    this run alone; return this run's id (None when there was nothing left to take). One
    UPDATE: under PostgreSQL's row locks a concurrent run re-reads `claimed_by` after the
    first commits and takes nothing."""
    run = uuid.uuid4().hex
    # claimed_at restarts: a batch that waited in the queue is not taken for stuck.
    taken = Notification.objects.filter(pk__in=ids, status=Status.SENDING, claimed_by="").update(
        claimed_by=run, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    return run if taken else None


def build_message(row: Notification, cache: dict) -> EmailMultiAlternatives | None:
    """The email for `row` as its kind builds it at send time, or as it was rendered when
    queued; None when it should no longer be sent."""
    try:
        build = kinds.get(row.kind).build
    except LookupError:
        build = None
    return build(row, cache) if build else stored_message(row)


class _Marks:
    """Sent and cancelled rows of one run, written in one UPDATE each per MARK_EVERY."""

    def __init__(self, run: str):
        self.mine = Notification.objects.filter(status=Status.SENDING, claimed_by=run)
        self.sent: list[int] = []
        self.cancelled: list[int] = []
        self.last = timezone.now()

    def add(self, ids: list[int], row: Notification) -> None:
        ids.append(row.pk)
        self.flush_if_due()

    def flush_if_due(self) -> None:
        if timezone.now() - self.last >= MARK_EVERY:
            self.flush()

    def flush(self) -> None:
        if self.sent:
            # The secrets go in the same UPDATE: once sent, the row opens nothing.
            self.mine.filter(pk__in=self.sent).update(
                status=Status.SENT,
                sent_at=timezone.now(),
                message_id=message_id_sql(),
                last_error="",
                secrets={},
            )
        if self.cancelled:
            self.mine.filter(pk__in=self.cancelled).update(status=Status.CANCELLED, secrets={})
        self.sent, self.cancelled, self.last = [], [], timezone.now()


def send_batch(ids: list[int]) -> dict[str, int]:
    """Send the rows among `ids` that this run could take, over one connection."""
    counts = {"sent": 0, "retry": 0, "failed": 0, "cancelled": 0}
    run = take(ids)
    if run is None:
        return counts
    rows = list(
        Notification.objects.filter(pk__in=ids, status=Status.SENDING, claimed_by=run)
        .select_related("recipient", "meeting__circle", "circle")
        .order_by("pk")
    )
    connection = get_connection()
    try:
        connection.open()
    except TRANSIENT_ERRORS as exc:
        for row in rows:
            counts[_retry(row, exc)] += 1
        return counts
    marks = _Marks(run)
    cache: dict = {"users": {r.recipient_id for r in rows if r.recipient_id}}
    try:
        for row in rows:
            marks.flush_if_due()
            message = build_message(row, cache)
            if message is None:  # no longer wanted (cancelled meeting, answered no...)
                marks.add(marks.cancelled, row)
                counts["cancelled"] += 1
                continue
            message.connection = connection
            message.extra_headers["Message-ID"] = message_id(row)
            try:
                message.send()
            except TRANSIENT_ERRORS as exc:
                marks.flush()  # what went out before a slow failure is marked first
                counts[_retry(row, exc)] += 1
                if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
                    try:
                        connection.close()
                        connection.open()
                    except TRANSIENT_ERRORS:
                        pass
                continue
            marks.add(marks.sent, row)
            counts["sent"] += 1
    finally:
        marks.flush()
        with contextlib.suppress(TRANSIENT_ERRORS):
            connection.close()
    return counts


def _retry(row: Notification, exc: Exception) -> str:
    """Give a row this run took back for a later attempt, or fail it for good. The row's
    attempts were counted when it was taken."""
    attempts = row.attempts
    failed = attempts >= MAX_ATTEMPTS
    # A row given up keeps no secret either (its link is dead; the person asks again).
    cleared = {"secrets": {}} if failed else {}
    Notification.objects.filter(pk=row.pk, status=Status.SENDING, claimed_by=row.claimed_by).update(
        status=Status.FAILED if failed else Status.PENDING,
        due_at=timezone.now() + backoff(attempts),
        claimed_at=None,
        claimed_by="",
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
        **cleared,
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
    """The message rendered when the notification was created, with its secret links put
    back in place of their slots."""
    subject, text, html = row.subject, row.body_text, row.body_html
    for name, value in (row.secrets or {}).items():
        slot = secret_slot(name)
        subject = subject.replace(slot, value)
        text = text.replace(slot, value)
        html = html.replace(slot, escape(value))
    message = OutboxMessage(subject, text, to=[row.email])
    if html:
        message.attach_alternative(html, "text/html")
    if row.ics:
        message.attach("meeting.ics", row.ics, "text/calendar; method=PUBLISH; charset=utf-8")
    return message
