from django.contrib import admin

from config.admin_exports import ConfidentialAdmin, ReadOnlyHistoryMixin

from .admin_exports import export_selected_as_csv
from .models import Export

# "Export selected as CSV" on every model's changelist; refuses confidential columns.
admin.site.add_action(export_selected_as_csv)


@admin.register(Export)
class ExportAdmin(ReadOnlyHistoryMixin, ConfidentialAdmin):
    """The audit trail: who downloaded which report, with which filters, when."""

    list_display = [
        "created_at",
        "requested_by",
        "report",
        "format",
        "scope",
        "status",
        "rows_done",
    ]
    list_filter = ["report", "format", "status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["requested_by__email", "requested_by__full_name", "scope"]
    list_select_related = ["requested_by"]
    raw_id_fields = ["requested_by"]
    date_hierarchy = "created_at"
