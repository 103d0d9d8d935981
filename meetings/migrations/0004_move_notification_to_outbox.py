# The Notification model now lives in outbox (outbox/migrations/0001_initial), on the
# same table: remove it from meetings' state only; no row or constraint changes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0003_notification_kind_career_checkin"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
