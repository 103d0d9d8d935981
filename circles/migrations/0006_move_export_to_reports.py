# The Export model now lives in reports (reports/migrations/0001_initial), on the same
# table: remove it from circles' state only; no row or constraint changes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("circles", "0005_alter_export_options"),
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Export")],
            database_operations=[],
        ),
    ]
