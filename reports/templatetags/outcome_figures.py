"""`{{ row|figure:"retained" }}`: one outcome figure as a table cell, published or
withheld (reports/suppression.py). A filter, not an include: the circle table can have a
thousand rows of ten figures."""

from django import template
from django.utils.html import format_html

from reports import suppression

register = template.Library()

# data-figure names the page has always used (tests and scrapers rely on them).
FIGURE_NAMES = {"with_cda": "cda"}


@register.filter
def figure(row: suppression.Row, spec: str):
    """`spec` is a column ("women"), or a column over members ("retained/members")."""
    column, _, over = spec.partition("/")
    cell = row.figures[column]
    name = FIGURE_NAMES.get(column, column)
    if cell.withheld:
        return format_html(
            # One neutral marker: saying why a cell is withheld ("1–4 people" or "to protect
            # another") would itself narrow it, and the auditor does not model that.
            '<td class="text-end" data-figure="{}" data-cell="{}" data-withheld="">'
            '<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span></td>',
            name,
            cell.cell,
            suppression.MARKER,
            suppression.MARKER_NAME,
        )
    text = str(cell.value)
    members = row.figures["members"]
    if over and not members.withheld:
        text += f"/{members.value}"
    share = row.rates.get(suppression.RATES.get(column, ""))
    if share is not None:
        text += f" ({share}%)"
    return format_html(
        '<td class="text-end" data-figure="{}" data-cell="{}" data-value="{}">{}</td>',
        name,
        cell.cell,
        cell.value,
        text,
    )
