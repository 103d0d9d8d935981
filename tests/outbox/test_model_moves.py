"""A database at the layout before the one-way house (the outbox in meetings, reports in
circles) migrates forward with every row, constraint and permission grant kept: the
models moved, their tables did not."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("members", "0003_milestone"),
    ("circles", "0005_alter_export_options"),
    ("meetings", "0003_notification_kind_career_checkin"),
    ("outbox", None),
    ("reports", None),
]
TABLES = ("meetings_notification", "circles_export")


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def constraints() -> dict[str, set]:
    with connection.cursor() as cursor:
        return {
            table: {
                (tuple(c["columns"]), c["unique"], c["primary_key"], c["foreign_key"], c["index"])
                for c in connection.introspection.get_constraints(cursor, table).values()
            }
            for table in TABLES
        }


def test_the_outbox_and_exports_keep_their_rows_constraints_and_grants():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    state = migrate(BEFORE).loader.project_state([t for t in BEFORE if t[1]], at_end=True)
    before = state.apps
    try:
        User = before.get_model("members", "User")
        Circle = before.get_model("circles", "Circle")
        Meeting = before.get_model("meetings", "Meeting")
        Notification = before.get_model("meetings", "Notification")
        Export = before.get_model("circles", "Export")
        ContentType = before.get_model("contenttypes", "ContentType")
        Permission = before.get_model("auth", "Permission")
        from django.utils import timezone

        now = timezone.now()
        dana = User.objects.create(email="dana@example.org", full_name="Dana Diaz")
        circle = Circle.objects.create(name="Old circle", slug="old", kind="peer_circle")
        meeting = Meeting.objects.create(
            circle=circle,
            title="Old meeting",
            start=now,
            end=now + timedelta(hours=1),
            timezone="UTC",
            meeting_format="online",
        )
        for n, status in enumerate(("pending", "sending", "sent", "failed", "cancelled")):
            Notification.objects.create(
                kind="reminder" if n % 2 else "career_checkin",
                recipient=dana,
                email=dana.email,
                circle=circle,
                meeting=meeting if n % 2 else None,
                dedupe_key=f"old:{n}",
                status=status,
                attempts=n,
                subject=f"Subject {n}",
            )
        Export.objects.create(
            requested_by=dana, report="research", format="xlsx", scope="Old", rows_total=3
        )
        # A database at that layout has the content type of each model under its old app,
        # and people were granted the research export there.
        ContentType.objects.filter(model__in=("notification", "export")).delete()
        export_type = ContentType.objects.create(app_label="circles", model="export")
        ContentType.objects.create(app_label="meetings", model="notification")
        grant = Permission.objects.create(
            content_type=export_type, codename="export_research", name="Research export"
        )
        dana.user_permissions.add(grant)
        rows_before = {
            "notifications": sorted(
                Notification.objects.values_list("pk", "kind", "status", "dedupe_key", "meeting")
            ),
            "exports": sorted(Export.objects.values_list("pk", "report", "requested_by")),
        }
        constraints_before = constraints()
    finally:
        migrate(latest)

    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from outbox.models import Notification
    from reports.models import Export

    assert (
        sorted(Notification.objects.values_list("pk", "kind", "status", "dedupe_key", "meeting"))
        == rows_before["notifications"]
    )
    assert (
        sorted(Export.objects.values_list("pk", "report", "requested_by"))
        == (rows_before["exports"])
    )
    after = constraints()
    for table in TABLES:
        assert constraints_before[table] <= after[table], table
    assert Notification.objects.filter(claimed_by="").count() == 5  # the new column
    assert ContentType.objects.get(app_label="outbox", model="notification")
    assert not ContentType.objects.filter(app_label__in=("meetings", "circles")).filter(
        model__in=("notification", "export")
    )
    assert (
        get_user_model().objects.get(email="dana@example.org").has_perm("reports.export_research")
    )
