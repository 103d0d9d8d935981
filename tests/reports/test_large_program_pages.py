"""A program of many circles: the circle filter renders its options in Python (same HTML
as Django's select) and the per-circle table shows a page of circles, the totals all."""

import re

import pytest
from django import forms
from django.urls import reverse

from reports.forms import LongSelect, ReportFilterForm
from reports.views import ROWS_PER_PAGE
from tests.factories import make_circle

CHOICES = [("", "All"), ("a-b", "A & <b>"), ("c", 'C "quoted"'), ("d", "D")]


def _same(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("value", ["", "a-b", "d", None, "missing"])
def test_long_select_writes_the_html_djangos_select_writes(value):
    attrs = {"class": "select form-select", "id": "id_circle", "disabled": True, "x": False}
    django_html = forms.Select(choices=CHOICES, attrs=attrs).render("circle", value)
    ours = LongSelect(choices=CHOICES, attrs=attrs).render("circle", value)
    assert _same(ours) == _same(django_html)
    assert "&lt;b&gt;" in ours and "&quot;quoted&quot;" in ours


@pytest.fixture
def big_program(alice, program):
    return [
        make_circle(alice, program=program, name=f"Circle {n:03}") for n in range(ROWS_PER_PAGE + 2)
    ]


def test_circle_filter_offers_every_circle_of_the_program(client, dana, program, big_program):
    client.force_login(dana)
    page = client.get(reverse("reports:overview")).content.decode()
    at = page.index('name="circle"')
    select = page[at : page.index("</select>", at)]
    assert select.count("<option") == len(big_program) + 1  # and "All"
    assert f'<option value="{big_program[0].slug}">Circle 000</option>' in select
    form = ReportFilterForm(
        {"circle": big_program[-1].slug}, programs=program.__class__.objects.all()
    )
    assert form.is_valid()
    assert f'value="{big_program[-1].slug}" selected' in str(form["circle"])


def test_per_circle_table_shows_a_page_and_totals_every_circle(client, dana, big_program):
    client.force_login(dana)
    url = reverse("reports:participation")
    first = client.get(url).content.decode()
    table = first[first.index('id="circle-table"') : first.index("</table>")]
    assert table.count('<tr><th scope="row"><a href') == ROWS_PER_PAGE
    assert f"All {len(big_program)} circles" in table
    assert "Page 1 of 2" in first and "circles_page=2#circles" in first
    second = client.get(url, {"circles_page": 2}).content.decode()
    table = second[second.index('id="circle-table"') : second.index("</table>")]
    assert table.count('<tr><th scope="row"><a href') == 2
    assert "Circle 051" in table and "Circle 000" not in table
    assert f"All {len(big_program)} circles" in table
