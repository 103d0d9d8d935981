# Reports moved out of circles: the Export model changes app, the table and its rows stay
# (db_table keeps "circles_export"). State only, plus the content type, so the
# research-export permission already granted to people follows the model
# (circles.export_research becomes reports.export_research).

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, source="circles", target="reports"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=target, model="export").exists():
        ContentType.objects.using(db).filter(app_label=source, model="export").update(
            app_label=target
        )


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, source="reports", target="circles")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("circles", "0005_alter_export_options"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Export",
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
                        (
                            "public_id",
                            models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
                        ),
                        (
                            "report",
                            models.CharField(
                                choices=[
                                    (
                                        "participation",
                                        "Participation, one row per member per meeting",
                                    ),
                                    ("members", "Participation per member"),
                                    ("circles", "Participation per circle"),
                                    ("meetings", "Participation per meeting"),
                                    ("outcomes", "Outcomes"),
                                    ("workbook", "Participation and outcomes workbook"),
                                    ("research", "De-identified research export"),
                                    ("admin", "Admin: selected rows"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "format",
                            models.CharField(
                                choices=[("csv", "CSV"), ("xlsx", "XLSX")], max_length=10
                            ),
                        ),
                        (
                            "scope",
                            models.CharField(
                                help_text="The filters, as the person chose them.", max_length=500
                            ),
                        ),
                        ("filters", models.JSONField(blank=True, default=dict)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Being built"),
                                    ("done", "Done"),
                                    ("failed", "Failed"),
                                ],
                                default="done",
                                max_length=10,
                            ),
                        ),
                        ("rows_total", models.PositiveIntegerField(default=0)),
                        ("rows_done", models.PositiveIntegerField(default=0)),
                        ("file_name", models.CharField(blank=True, max_length=200)),
                        ("error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "requested_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="exports",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "circles_export",
                        "ordering": ["-created_at"],
                        "permissions": [
                            ("export_research", "Can download the de-identified research export")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
