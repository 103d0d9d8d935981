"""Dana, the demo program admin, opens the outcomes report on the demo data, finds the
MICReW table, looks at the charts and participation, and downloads the CSV and the XLSX."""

import csv
import io
from datetime import datetime

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import expect

from members.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dana_reads_the_micrew_outcomes_and_downloads_csv_and_xlsx(
    live_server, page, log_in, screenshot, console_errors, assert_accessible, tmp_path
):
    call_command("seed_demo", allow_production=True, verbosity=0)
    dana = User.objects.get(email="admin@demo.roundtable.test")
    log_in(dana)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()

    page.get_by_label("Program").select_option(label="Critical Care Research")
    page.get_by_role("button", name="Show").click()
    table = page.locator("#outcomes-table")
    row = table.locator("tbody tr", has_text="Critical Care Research")
    # The MICReW paper's table: 29 of 30 in academic positions would single out the one
    # who left, so that figure is withheld ("—", named "suppressed"), never "<5"; the
    # counts of grants, publications and promotions show.
    retained = row.locator('[data-figure="retained"]')
    expect(retained).to_have_attribute("data-withheld", "")
    expect(retained).to_have_text("—suppressed")
    expect(row.locator('[data-figure="publications"]')).to_have_text("30")
    expect(row.locator('[data-figure="grants"]')).to_have_text("12")
    expect(page.get_by_role("img", name="Attendance rate by month")).to_be_visible()
    expect(page.get_by_role("img", name="Members holding a seat", exact=False)).to_be_visible()
    # The figures beside a chart: a focusable region, the latest month first and in view.
    figures = page.get_by_role("region", name="Attendance rate by month: figures, newest first")
    figures.focus()
    expect(figures).to_be_focused()
    month_rows = figures.locator("tbody th")
    latest, earliest = month_rows.first.inner_text(), month_rows.last.inner_text()
    assert datetime.strptime(latest, "%b %Y") > datetime.strptime(earliest, "%b %Y")
    expect(month_rows.first).to_be_in_viewport()
    # Gridlines at round numbers.
    ticks = page.locator("#chart-membership-caption ~ div svg text[text-anchor='end']")
    labels = ticks.all_text_contents()
    assert labels and all(t.replace(",", "").isdigit() for t in labels), labels
    assert_accessible("outcomes report")
    screenshot("reports-outcomes")

    with page.expect_download() as info:
        page.get_by_role("link", name="Outcomes CSV").click()
    path = tmp_path / "outcomes.csv"
    info.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    program_row = next(r for r in rows if r[0] == "Program" and r[1] == "Critical Care Research")
    header = rows[0]
    assert header[-1] == "Withheld figures"
    retained = header.index("Retained in academic positions")
    assert program_row[retained] == "" and "Retained in academic positions" in program_row[-1]
    assert program_row[header.index("Publications since joining")] == "30"

    with page.expect_download() as info:
        page.get_by_role("button", name="Workbook XLSX (every table)").click()
    path = tmp_path / "workbook.xlsx"
    info.value.save_as(path)
    book = load_workbook(path, read_only=True)
    assert "Outcomes" in book.sheetnames and "Participation" in book.sheetnames
    outcomes = list(book["Outcomes"].iter_rows(values_only=True))
    program_row = next(
        r for r in outcomes if r[0] == "Program" and r[1] == "Critical Care Research"
    )
    assert program_row[7] is None and program_row[12] == 30  # retained withheld; publications

    page.get_by_role("link", name="Participation").first.click()
    expect(page.locator("#circle-table")).to_contain_text("Multidisciplinary Intensive Care")
    expect(page.locator("#member-table")).not_to_contain_text("On_leave")
    assert_accessible("participation report")
    screenshot("reports-participation")
    assert console_errors == []
