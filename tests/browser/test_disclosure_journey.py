"""Dana, the demo program admin, reads the outcome tables of the workgroup and of every
program, grouping by grouping, and downloads the Outcomes CSV. Every figure published on
every table and in the file is scraped, and the LP auditor proves that nothing withheld can
be narrowed to fewer than 5 values from them."""

import csv
import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from circles.models import Circle
from members.models import User
from reports import exports, figures, suppression
from reports.audit import assert_safe
from reports.suppression import cell_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRAPE = (
    """els => els.map(e => [e.dataset.cell, e.dataset.value ?? null, e.dataset.withheld ?? null])"""
)


def _scrape(page) -> tuple[dict[str, int], set[str]]:
    published, withheld = {}, set()
    for cell, value, marker in page.eval_on_selector_all("[data-cell]", SCRAPE):
        if marker is not None:  # data-withheld: present, and says nothing of why
            withheld.add(cell)
        else:
            published[cell] = int(value)
    return published, withheld


def _csv_cells(rows: list[list[str]], structures) -> dict[str, int]:
    columns = {name: c for c, name in exports.OUTCOME_COLUMNS.items()}
    published = {}
    for row in rows[1:]:
        table = exports.OUTCOME_GROUPINGS[row[0]]
        # The family that has this row (one per program when the file spans several).
        (key,) = {s.rows[(table, row[1])] for s in structures if (table, row[1]) in s.rows}
        for name, value in zip(rows[0], row, strict=True):
            if name in columns and value != "":
                published[cell_id(table, key, columns[name])] = int(value)
    return published


@pytest.mark.parametrize(
    ("query", "circles"),
    [
        ("circle=micrew", {"slug": "micrew"}),
        ("program=critical-care-research", {"program__slug": "critical-care-research"}),
        ("", {}),
    ],
)
def test_every_published_outcome_figure_passes_the_auditor(
    live_server, page, log_in, screenshot, assert_accessible, tmp_path, query, circles
):
    call_command("seed_demo", allow_production=True, verbosity=0)
    dana = User.objects.get(email="admin@demo.roundtable.test")
    log_in(dana)
    shown = suppression.outcomes(figures.Scope(circles=Circle.objects.filter(**circles)))
    structures = [part.structure for part in shown.parts]
    for by in figures.GROUPINGS:
        page.goto(f"{live_server.url}/reports/?{query}&by={by}")
        expect(page.locator("#outcomes-table")).to_be_visible()
        assert "<5" not in page.content() and "&lt;5" not in page.content()
        published, withheld = _scrape(page)
        assert published and withheld
        for publication in shown.publications(published, withheld):
            assert_safe(publication)
        # A withheld figure reads "—" and is named "suppressed" for a screen reader.
        marker = page.locator("[data-withheld]").first
        expect(marker).to_contain_text("suppressed")
        expect(page.get_by_text(suppression.LEGEND + ".").first).to_be_visible()
    if query == "circle=micrew":
        man = page.locator('#outcomes-gender tr[data-row="gender|man"] [data-figure="retained"]')
        expect(man).to_have_attribute("data-withheld", "")
        expect(man).not_to_contain_text("<5")
        assert_accessible("outcomes report with withheld figures")
        screenshot("reports-disclosure")

    with page.expect_download() as info:
        page.get_by_role("link", name="Outcomes CSV").click()
    path = tmp_path / "outcomes.csv"
    info.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][-1] == "Withheld figures"
    for publication in shown.publications(_csv_cells(rows, structures)):
        assert_safe(publication)
