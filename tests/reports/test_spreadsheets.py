"""Formula injection: whatever text people type, no exported cell is a formula, and
numbers stay numbers. Property tests (Hypothesis) on the CSV and XLSX writers, read back
with the csv module and openpyxl, and one end-to-end export through a real view."""

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from reports.exports import _sheet
from reports.spreadsheets import FORMULA_TRIGGERS, csv_lines, safe_cell, safe_xlsx_cell

# Text that often starts with a trigger, and plain text of any kind.
dangerous = st.builds(
    lambda t, rest: t + rest, st.sampled_from(FORMULA_TRIGGERS), st.text(max_size=30)
)
texts = st.one_of(dangerous, st.text(max_size=40))
numbers = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
)
cells = st.one_of(texts, numbers, st.none())
rows = st.lists(st.lists(cells, min_size=1, max_size=6), min_size=1, max_size=8)


def _is_inert(value: str) -> bool:
    return value == "" or not value.startswith(FORMULA_TRIGGERS)


@settings(max_examples=200, deadline=None)
@given(rows)
def test_no_csv_cell_can_start_a_formula(table):
    text = "".join(csv_lines(["a"] * 6, table))
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert len(read) == len(table) + 1
    for original, row in zip(table, read[1:], strict=True):
        for value, cell in zip(original, row, strict=True):
            if isinstance(value, str):
                assert _is_inert(cell)
                # Nothing is lost: the text is the original after the apostrophe.
                assert cell == value or cell == "'" + value
            elif isinstance(value, int | float):
                assert cell == str(value)  # a number, never prefixed


@settings(max_examples=100, deadline=None)
@given(rows)
def test_no_xlsx_cell_is_a_formula_and_numbers_stay_numbers(table):
    book = Workbook(write_only=True)
    _sheet(book, "Sheet", ["a"] * 6, table, lambda: None)
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue()))["Sheet"]
    # An all-empty row is not stored; read as many rows as were written.
    read = list(sheet.iter_rows(min_row=2, max_row=len(table) + 1))
    for original, row in zip(table, read, strict=True):
        for value, cell in zip(original, row, strict=False):
            assert cell.data_type != "f"
            if isinstance(value, str) and cell.value is not None:
                assert _is_inert(str(cell.value))
            elif isinstance(value, int | float):
                assert cell.data_type == "n" and cell.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\0x", "'\0x"),
        ("Dr. Smith", "Dr. Smith"),
        (-3, -3),
        (Decimal("1.5"), Decimal("1.5")),
        (None, None),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_xlsx_drops_control_characters_before_checking_triggers():
    # "\x01=cmd" would become "=cmd" once openpyxl's illegal characters are removed.
    assert safe_xlsx_cell("\x01=cmd") == "'=cmd"


@pytest.mark.django_db
def test_a_circle_named_like_a_formula_is_exported_inert(client, dana, program, alice, bob):
    from django.urls import reverse

    from tests.factories import make_circle

    make_circle(alice, members=[bob], program=program, name='=HYPERLINK("http://x","y")')
    client.force_login(dana)
    response = client.get(reverse("reports:csv", args=["members"]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    circles = {row[0] for row in list(csv.reader(io.StringIO(body)))[1:]}
    assert circles == {'\'=HYPERLINK("http://x","y")'}
    response = client.post(reverse("reports:workbook", args=["workbook"]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    names = [row[1].value for row in book["Circles"].iter_rows(min_row=2)]
    assert names == ['\'=HYPERLINK("http://x","y")']
    assert all(c.data_type != "f" for s in book.worksheets for r in s.iter_rows() for c in r)
