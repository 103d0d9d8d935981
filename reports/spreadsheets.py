"""Cells that are safe to open in a spreadsheet, and streamed CSV responses.

Every CSV and XLSX file Roundtable writes (reports, the research export, the admin's
"export selected as CSV" action) passes its cells through `safe_cell`: a text cell that a
spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR or NUL first) gets a
leading apostrophe, the OWASP "CSV injection" advice. Numbers, dates and booleans are left
as they are, so they stay numbers in the spreadsheet.
"""

import csv
import datetime
import io
import itertools
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
_TRIGGER_SET = frozenset(FORMULA_TRIGGERS)


def safe_cell(value):
    """`value` as a cell no spreadsheet will evaluate: text starting with a formula
    trigger is prefixed with an apostrophe; anything that is not text is returned as is
    (numbers stay numbers)."""
    if isinstance(value, str) and value[:1] in _TRIGGER_SET:
        return "'" + value
    return value


def safe_cell_sql(column: str) -> str:
    """`safe_cell` in PostgreSQL, for text `column` (exports written by COPY): the same
    triggers, from FORMULA_TRIGGERS. NUL is left out: PostgreSQL text cannot hold it."""
    triggers = ", ".join(f"CHR({ord(t)})" for t in FORMULA_TRIGGERS if t != "\0")
    return f"CASE WHEN LEFT({column}, 1) IN ({triggers}) THEN '''' || {column} ELSE {column} END"


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


def csv_lines(
    header: Iterable[str], rows: Iterable[Iterable], *, batch: int = 500
) -> Iterator[str]:
    """The CSV text of `header` and `rows`, `batch` lines at a time (one chunk per line
    costs the response more than writing the line), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(name) for name in header])
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_value(value) for value in row])
        if n % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_value(value):
    # The hot loop of every export (one call per cell): timestamps written without strftime.
    if type(value) is datetime.datetime:
        if value.utcoffset():
            value = value.astimezone(datetime.UTC)
        return value.isoformat(sep=" ", timespec="seconds")[:19] + "Z"
    return safe_cell(value)


def streamed_csv(filename: str, header: Iterable[str], rows: Iterable[Iterable]):
    """A download of `rows` as CSV, written as it is read: memory stays flat at any size
    when `rows` is itself a stream (a server-side cursor)."""
    # A UTF-8 byte-order mark first, so Excel opens accented names correctly.
    lines = _with_bom(csv_lines(header, rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def streamed_csv_chunks(filename: str, header: Iterable[str], chunks: Iterable[bytes]):
    """A CSV download whose body after the header is `chunks` of finished CSV (PostgreSQL's
    COPY ... TO STDOUT WITH CSV, its cells already made safe in SQL)."""
    lines = _with_bom(itertools.chain(csv_lines(header, []), chunks))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _with_bom(lines: Iterator[str]) -> Iterator[str]:
    yield "\ufeff"
    yield from lines
