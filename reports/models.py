import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Export(models.Model):
    """Who downloaded which report, when and for what scope: the audit trail of every
    export (shown in the admin). A large workbook is also a job: the row carries its
    progress, and the file once built."""

    class Report(models.TextChoices):
        PARTICIPATION = "participation", "Participation, one row per member per meeting"
        MEMBERS = "members", "Participation per member"
        CIRCLES = "circles", "Participation per circle"
        MEETINGS = "meetings", "Participation per meeting"
        OUTCOMES = "outcomes", "Outcomes"
        WORKBOOK = "workbook", "Participation and outcomes workbook"
        RESEARCH = "research", "De-identified research export"
        ADMIN = "admin", "Admin: selected rows"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Being built"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="exports"
    )
    report = models.CharField(max_length=20, choices=Report.choices)
    format = models.CharField(max_length=10, choices=Format.choices)
    scope = models.CharField(max_length=500, help_text="The filters, as the person chose them.")
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table keeps the name it had when reports lived in circles: the model moved,
        # the rows did not (reports/migrations/0001).
        db_table = "circles_export"
        ordering = ["-created_at"]
        permissions = [
            # Pseudonymous rows can be matched to the identified tables by anyone who has
            # both, so the research export is a separate grant (staff have it).
            ("export_research", "Can download the de-identified research export"),
        ]

    def __str__(self) -> str:
        return f"{self.get_report_display()} ({self.format}) by {self.requested_by}"

    @property
    def percent_done(self) -> int:
        """An estimate: rows_total counts participation rows, the other sheets add a few."""
        if self.status == self.Status.DONE:
            return 100
        return min(99, int(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
