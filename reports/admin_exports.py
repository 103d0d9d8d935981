"""The admin's site-wide "Export selected as CSV" action (registered for every model by
reports/admin.py).

The columns are the changelist's own (`list_display`, resolved by the admin's own
`lookup_field` / `label_for_field`), with the primary key first, so an operator gets in the
spreadsheet what they saw on the screen. Rows are read with a server-side cursor and
written as they are read (`reports.spreadsheets.streamed_csv`), so memory stays flat
however many rows are selected, and every cell goes through the spreadsheet formula guard.
Confidential columns (config.admin_exports.NEVER_EXPORTED) are refused, and every export
leaves an `Export` audit row.
"""

import datetime
import html
from collections.abc import Iterator
from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import label_for_field, lookup_field
from django.db import models
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import SafeData
from django.utils.text import capfirst

from config.admin_exports import is_never_exported

from .models import Export
from .spreadsheets import streamed_csv

CHUNK_SIZE = 2000


def record_admin_export(request, model: type[models.Model], count: int) -> None:
    """Audit record of an admin export, beside the report downloads."""
    Export.objects.create(
        requested_by=request.user,
        report=Export.Report.ADMIN,
        format=Export.Format.CSV,
        scope=f"{model._meta.verbose_name_plural}: {count} selected",
        filters={
            "model": model._meta.label,
            # What the list showed (search, filters) and what was ticked.
            "query": request.GET.urlencode(),
            "select_across": request.POST.get("select_across") == "1",
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)[:1000],
        },
        rows_total=count,
        rows_done=count,
        finished_at=timezone.now(),
    )


@admin.action(description="Export selected as CSV", permissions=["view"])
def export_selected_as_csv(modeladmin: admin.ModelAdmin, request, queryset):
    """A CSV download of the selected rows, with the changelist's columns."""
    opts = modeladmin.model._meta
    if not modeladmin.has_view_permission(request):  # get_actions checks this too
        modeladmin.message_user(request, "You may not export these rows.", messages.ERROR)
        return None
    if not getattr(modeladmin, "export_csv_allowed", True):
        modeladmin.message_user(
            request, f"{capfirst(opts.verbose_name_plural)} cannot be exported.", messages.ERROR
        )
        return None
    columns = export_columns(modeladmin, request)
    confidential = [name for name in columns if is_never_exported(modeladmin.model, name)]
    if confidential:
        modeladmin.message_user(
            request,
            f"Not exported: the column(s) {', '.join(confidential)} hold confidential text.",
            messages.ERROR,
        )
        return None

    count = queryset.count()
    record_admin_export(request, modeladmin.model, count)
    header = [
        str(capfirst(label_for_field(name, modeladmin.model, modeladmin))) for name in columns
    ]
    filename = f"{opts.app_label}_{opts.model_name}_{timezone.now():%Y%m%d-%H%M}.csv"
    return streamed_csv(filename, header, _rows(modeladmin, queryset, columns))


def export_columns(modeladmin: admin.ModelAdmin, request) -> list:
    """The changelist's columns without the checkbox, the primary key first (once)."""
    pk = modeladmin.model._meta.pk
    columns = [
        name
        for name in modeladmin.get_list_display(request)
        if name != "action_checkbox" and name not in ("pk", pk.name)
    ]
    return [pk.name, *columns]


def _rows(modeladmin: admin.ModelAdmin, queryset, columns: list) -> Iterator[list]:
    # A server-side cursor in chunks: the queryset keeps the changelist's select_related
    # and annotations, so each row costs no further query.
    for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
        row = []
        for name in columns:
            field, _attr, value = lookup_field(name, obj, modeladmin)
            row.append(_cell(field, value))
        yield row


def _cell(field, value):
    """A value as the changelist shows it, but typed for a spreadsheet: choice labels
    instead of stored codes, related objects by name, numbers and dates left as such,
    empty for nothing (the changelist's "-" would read as a value)."""
    if value is None:
        return ""
    if field is not None and field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, SafeData):  # a display method's HTML: keep its text
        return html.unescape(strip_tags(str(value)))
    if isinstance(value, bool | int | float | Decimal | datetime.date | str):
        return value
    return str(value)
