"""Cells that are safe to open in a spreadsheet, and streamed CSV responses.

Every CSV and XLSX file Roundtable writes (reports, the research export, the admin's
"export selected as CSV" action) passes its cells through `safe_cell`: a text cell that a
spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR or NUL first) gets a
leading apostrophe, the OWASP "CSV injection" advice. Numbers, dates and booleans are left
as they are, so they stay numbers in the spreadsheet.
"""

import csv
import datetime
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")

Cell = str | int | float | Decimal | bool | datetime.date | None


def safe_cell(value):
    """`value` as a cell no spreadsheet will evaluate: text starting with a formula
    trigger is prefixed with an apostrophe; anything that is not text is returned as is
    (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_xlsx_cell(value):
    """`safe_cell` for openpyxl, which refuses control characters (they are not valid in
    the XML of a sheet) and would store text starting with "=" as a formula. Control
    characters are dropped first so that dropping them cannot uncover a trigger."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        # Excel has no time zones; timestamps in our exports are UTC.
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return safe_cell(value)


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text of `header` and `rows`, one line at a time, every cell made safe."""
    writer = csv.writer(_Echo())
    yield writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        yield writer.writerow([_csv_value(value) for value in row])


def _csv_value(value):
    if isinstance(value, datetime.datetime):
        value = value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return safe_cell(value)


def streamed_csv(filename: str, header: Iterable[str], rows: Iterable[Iterable]):
    """A download of `rows` as CSV, written as it is read: memory stays flat at any size
    when `rows` is itself a stream (a server-side cursor)."""
    # A UTF-8 byte-order mark first, so Excel opens accented names correctly.
    lines = _with_bom(csv_lines(header, rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _with_bom(lines: Iterator[str]) -> Iterator[str]:
    yield "\ufeff"
    yield from lines
