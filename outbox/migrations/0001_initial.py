# The outbox moved out of meetings: the model changes app, the table and its rows stay
# (db_table keeps "meetings_notification"). State only, plus the content type, so admin
# history and permissions granted on notifications follow the model.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, source="meetings", target="outbox"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=target, model="notification").exists():
        ContentType.objects.using(db).filter(app_label=source, model="notification").update(
            app_label=target
        )


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, source="outbox", target="meetings")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("circles", "0005_alter_export_options"),
        ("meetings", "0003_notification_kind_career_checkin"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kind", models.CharField(max_length=30)),
                        ("email", models.EmailField(max_length=254)),
                        ("offset_minutes", models.PositiveIntegerField(blank=True, null=True)),
                        ("dedupe_key", models.CharField(max_length=200, unique=True)),
                        ("due_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("sending", "Sending"),
                                    ("sent", "Sent"),
                                    ("cancelled", "Cancelled"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=20,
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("last_error", models.TextField(blank=True)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("message_id", models.CharField(blank=True, max_length=200)),
                        ("subject", models.CharField(blank=True, max_length=300)),
                        ("body_text", models.TextField(blank=True)),
                        ("body_html", models.TextField(blank=True)),
                        ("ics", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "circle",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="circles.circle",
                            ),
                        ),
                        (
                            "meeting",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="meetings.meeting",
                            ),
                        ),
                        (
                            "recipient",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "meetings_notification",
                        "ordering": ["due_at", "pk"],
                        "indexes": [
                            models.Index(
                                fields=["status", "due_at"], name="meetings_notification_due"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
