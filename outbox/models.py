from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from . import kinds

# What a stored message shows where a secret link was: the stored subject and bodies hold
# this slot, the link itself only the `secrets` column, until the row is sent (or given
# up). A row copied out of the database after sending opens nothing.
REMOVED_LINK = "[link removed after sending]"


def secret_slot(name: str) -> str:
    """The placeholder of the secret `name` in a stored message: plain text that HTML
    escaping leaves alone, so the same slot stands in the text and the HTML body."""
    return f"[link removed after sending: {name}]"


class NotificationQuerySet(models.QuerySet):
    def due(self, now=None) -> "NotificationQuerySet":
        return self.filter(status=Notification.Status.PENDING, due_at__lte=now or timezone.now())

    def stuck(self, older_than: timedelta) -> "NotificationQuerySet":
        """Claimed for sending longer ago than any batch takes: the worker died."""
        return self.filter(
            status=Notification.Status.SENDING, claimed_at__lt=timezone.now() - older_than
        )


class Notification(models.Model):
    """One message to one person for one reason: the outbox row that makes sending
    exactly-once. The dedupe key (unique) stops the same reason producing two rows; the
    status moves pending → sending → sent only through conditional updates, and a batch
    takes each row for itself (`claimed_by`) before it sends it.

    The kind is a name from the open registry (`outbox.kinds`), not a choice list, so a
    new email never needs an outbox migration. The circle and meeting a message is about
    are referred to by string: the outbox imports no feature app, but a meeting's
    reminders go when the meeting is deleted."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=kinds.MAX_LENGTH)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    email = models.EmailField(max_length=254)
    circle = models.ForeignKey(
        "circles.Circle",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    offset_minutes = models.PositiveIntegerField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    due_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The one running batch that took this row to send it (a random id per batch run): a
    # copy of the same batch redelivered beside it finds the row taken and skips it.
    claimed_by = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    # Rendered when the reason happened (invitations carry a token only known then);
    # empty for kinds with a builder (reminders, surveys), rendered when they are sent.
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    ics = models.TextField(blank=True)
    # Secret values (links with tokens or keys) by name, put in place of their slots at
    # send time and cleared by the same UPDATE that marks the row sent, cancelled or
    # failed: a sent row holds no usable secret.
    secrets = models.JSONField(default=dict, db_default={}, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        # The table and its index keep the names they had when the outbox lived in
        # meetings: the model moved, the rows did not (outbox/migrations/0001).
        db_table = "meetings_notification"
        ordering = ["due_at", "pk"]
        indexes = [
            # Serves the sweep: due pending rows, oldest first.
            models.Index(fields=["status", "due_at"], name="meetings_notification_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.email} ({self.status})"

    def get_kind_display(self) -> str:
        return kinds.label(self.kind)
