"""The timezone picker: canonical zones only, grouped by region, old names mapped to the
current ones (shown selected, saved under the current name) on every form with a zone."""

import re
import zoneinfo

import pytest
from django.urls import reverse

from circles.models import Circle
from members.timezones import (
    aliases,
    canonical_names,
    canonical_timezone,
    timezone_choices,
    timezone_names,
)
from tests.circles.test_create_edit import circle_data
from tests.members.test_profile import EDIT, profile_data

OLD_NAMES = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Africa/Timbuktu": "Africa/Abidjan",  # the tz database's own link
    "US/Eastern": "America/New_York",
    "Europe/Kiev": "Europe/Kyiv",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "Etc/UTC": "UTC",
    "Zulu": "UTC",
    "GMT": "UTC",
}


def offered(html: str) -> list[str]:
    start = html.index('<select name="timezone"')
    return re.findall(r'<option value="([^"]+)"', html[start : html.index("</select>", start)])


def selected(html: str) -> list[str]:
    start = html.index('<select name="timezone"')
    select = html[start : html.index("</select>", start)]
    return re.findall(r'<option value="([^"]+)" selected', select)


def test_the_picker_offers_canonical_zones_only():
    names = canonical_names()
    for old in OLD_NAMES:
        assert old not in names
    for current in {*OLD_NAMES.values(), "Europe/Amsterdam", "America/Detroit", "UTC"}:
        assert current in names
    assert 400 < len(names) < 450  # the ~600 of available_timezones(), less the aliases
    for name in names:
        zoneinfo.ZoneInfo(name)


def test_choices_are_utc_then_one_group_per_region_each_zone_once():
    choices = timezone_choices()
    assert choices[0] == ("UTC", "UTC")
    regions = [region for region, _ in choices[1:]]
    assert regions == sorted(regions)
    assert {"Africa", "America", "Asia", "Australia", "Europe", "Pacific"} <= set(regions)
    values = ["UTC"] + [zone for _, places in choices[1:] for zone, _ in places]
    assert len(values) == len(set(values)) == len(canonical_names())
    america = dict(dict(choices[1:])["America"])
    assert america["America/Argentina/Buenos_Aires"] == "Argentina/Buenos Aires"
    assert america["America/New_York"] == "New York"


@pytest.mark.parametrize(("old", "current"), OLD_NAMES.items())
def test_old_names_map_to_the_current_zone(old, current):
    assert canonical_timezone(old) == current


def test_every_known_name_is_offered_mapped_or_one_of_the_placeless_zones():
    for target in aliases().values():
        assert target in canonical_names()
    placeless = timezone_names() - canonical_names() - aliases().keys()
    # Fixed offsets and POSIX-style rules: nobody picks them, but a stored one is kept.
    assert all(re.fullmatch(r"Etc/GMT[+-]\d+|[A-Z]{3}\d[A-Z]{3}", name) for name in placeless)


def test_profile_with_an_old_zone_shows_the_current_one_and_saves_it(client, bob):
    bob.timezone = "Asia/Calcutta"
    bob.save()
    client.force_login(bob)
    html = client.get(EDIT).content.decode()
    assert selected(html) == ["Asia/Kolkata"]
    assert "Asia/Calcutta" not in offered(html)
    assert 'data-aliases="Asia/Calcutta"' in html  # the search finds it by its old name
    assert client.post(EDIT, profile_data(timezone="Asia/Kolkata")).status_code == 302
    bob.refresh_from_db()
    assert bob.timezone == "Asia/Kolkata"


def test_profile_posted_with_an_old_name_saves_the_current_one(client, bob):
    client.force_login(bob)
    assert client.post(EDIT, profile_data(timezone="US/Eastern")).status_code == 302
    bob.refresh_from_db()
    assert bob.timezone == "America/New_York"


def test_a_stored_zone_with_no_current_name_is_kept_on_save(client, bob):
    bob.timezone = "Etc/GMT+5"
    bob.save()
    client.force_login(bob)
    html = client.get(EDIT).content.decode()
    assert selected(html) == ["Etc/GMT+5"]
    assert offered(html).count("Etc/GMT+5") == 1
    assert client.post(EDIT, profile_data(timezone="Etc/GMT+5")).status_code == 302
    bob.refresh_from_db()
    assert bob.timezone == "Etc/GMT+5"


def test_circle_form_shows_and_saves_the_current_zone_for_an_old_one(client, alice, circle):
    Circle.objects.filter(pk=circle.pk).update(timezone="US/Pacific")
    client.force_login(alice)
    url = reverse("circles:edit", kwargs={"slug": circle.slug})
    html = client.get(url).content.decode()
    assert selected(html) == ["America/Los_Angeles"]
    assert "<optgroup label=" in html
    data = circle_data(slug=circle.slug, kind="", timezone="US/Pacific")
    assert client.post(url, data).status_code == 302
    circle.refresh_from_db()
    assert circle.timezone == "America/Los_Angeles"


def test_circle_form_refuses_an_unknown_zone(client, alice):
    client.force_login(alice)
    response = client.post(reverse("circles:new"), circle_data(timezone="Mars/Base"))
    assert response.status_code == 400
    assert "is not a timezone we know" in " ".join(response.context["form"].errors["timezone"])
    assert not Circle.objects.exists()
