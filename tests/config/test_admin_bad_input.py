"""The admin answers bad query strings (NUL bytes, out-of-range numbers and dates) with a
4xx or its own "invalid lookup" page, never a 500: every registered admin, every filter,
every date hierarchy, and the autocomplete view."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

EVERY_ADMIN = sorted(admin.site._registry, key=lambda model: model._meta.label)
NUL = "\x00"
# Out of range for a 32-bit or 64-bit integer, for a date, or for Python's datetime.
BAD_VALUES = [NUL, "2147483648", "99999999999999999999999", "9999-99-99"]
# A year, month or day the date hierarchy turns into datetimes, and the edges of that range.
BAD_DATES = [
    {"year": "2147483648"},
    {"year": "99999999999999999999999"},
    {"year": "9999"},
    {"year": "9999", "month": "12"},
    {"year": "9999", "month": "12", "day": "31"},
    {"year": "1", "month": "1", "day": "1"},
    {"year": "0"},
    {"year": "-5"},
    {"year": "2026", "month": "13"},
    {"year": "2026", "month": "2", "day": "30"},
    {"year": NUL},
    {"year": "2026", "month": NUL},
]
OK_STATUSES = {200, 302, 400, 404}


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _assert_handled(response, what):
    assert response.status_code in OK_STATUSES, (what, response.status_code)
    if response.status_code == 302:
        # The admin's own answer to a lookup it cannot use: the list with "?e=1".
        assert response["Location"].endswith("?e=1"), what
    if response.status_code == 200 and hasattr(response, "render"):
        response.render()


def _filter_parameters(client, model) -> list[str]:
    response = client.get(_changelist(model))
    assert response.status_code == 200
    cl = response.context["cl"]
    names = {name for spec in cl.filter_specs for name in spec.expected_parameters()}
    # Lookups the query string may name whatever list_filter says.
    names |= {"id__exact", "pk", "id__gt", "o", "p", "all", "_to_field"}
    return sorted(names)


@pytest.mark.parametrize("model", EVERY_ADMIN, ids=lambda m: m._meta.label)
def test_every_changelist_answers_bad_search_and_filter_values_without_an_error(
    ops, every_row, model
):
    url = _changelist(model)
    for value in BAD_VALUES:
        _assert_handled(ops.get(url, {"q": value}), ("q", value))
    for name in _filter_parameters(ops, model):
        for value in BAD_VALUES:
            _assert_handled(ops.get(url, {name: value}), (name, value))
    _assert_handled(ops.get(url, {f"x{NUL}": "1"}), "NUL in a parameter name")


@pytest.mark.parametrize(
    "model",
    [model for model in EVERY_ADMIN if admin.site._registry[model].date_hierarchy],
    ids=lambda m: m._meta.label,
)
def test_every_date_hierarchy_answers_out_of_range_dates_without_an_error(ops, every_row, model):
    field = admin.site._registry[model].date_hierarchy
    for parts in BAD_DATES:
        params = {f"{field}__{part}": value for part, value in parts.items()}
        _assert_handled(ops.get(_changelist(model), params), params)


def test_huge_year_in_the_user_date_hierarchy_is_an_invalid_lookup(ops):
    response = ops.get(_changelist(_user_model()), {"date_joined__year": "2147483648"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


def test_nul_in_a_search_term_is_a_bad_request(ops):
    response = ops.get(_changelist(_user_model()), {"q": f"bob{NUL}"})
    assert response.status_code == 400


def _autocomplete_sources():
    """(app_label, model_name, field_name) of every autocomplete field of every admin,
    inlines included."""
    for model, model_admin in admin.site._registry.items():
        admins = [model_admin, *(inline(model, admin.site) for inline in model_admin.inlines)]
        for each in admins:
            for field_name in each.autocomplete_fields:
                yield (each.model._meta.app_label, each.model._meta.model_name, field_name)


AUTOCOMPLETES = sorted(set(_autocomplete_sources()))


def test_there_are_autocomplete_fields_to_sweep():
    assert len(AUTOCOMPLETES) >= 5


# Autocomplete pages through the target's rows: unordered, a page could repeat or skip some.
@pytest.mark.filterwarnings("error::django.core.paginator.UnorderedObjectListWarning")
@pytest.mark.parametrize("source", AUTOCOMPLETES, ids="-".join)
def test_every_autocomplete_answers_bad_terms_without_an_error(ops, every_row, source):
    app_label, model_name, field_name = source
    url = reverse("admin:autocomplete")
    base = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
    assert ops.get(url, {**base, "term": "a"}).status_code == 200
    for value in BAD_VALUES:
        _assert_handled(ops.get(url, {**base, "term": value}), value)
        _assert_handled(ops.get(url, {**base, "term": "a", "page": value}), value)
    response = ops.get(url, {**base, "term": f"{NUL}abc"})
    assert response.status_code == 400


def test_autocomplete_with_nul_in_its_other_parameters_is_not_an_error(ops):
    url = reverse("admin:autocomplete")
    for params in [
        {"app_label": NUL, "model_name": "user", "field_name": "x", "term": "a"},
        {"app_label": "circles", "model_name": f"circle{NUL}", "field_name": "x", "term": "a"},
        {"app_label": "circles", "model_name": "circle", "field_name": NUL, "term": "a"},
    ]:
        _assert_handled(ops.get(url, params), params)


def test_nul_in_an_admin_action_post_is_a_bad_request(ops, every_row):
    from circles.models import Circle

    response = ops.post(
        _changelist(Circle),
        {"action": "export_selected_as_csv", "_selected_action": [NUL], "index": "0"},
    )
    assert response.status_code == 400


def test_nul_in_an_object_address_is_not_an_error(ops, every_row):
    for model in EVERY_ADMIN:
        opts = model._meta
        for view in ("change", "history", "delete"):
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=["1"])
            url = url.replace("/1/", "/%00/")
            _assert_handled(ops.get(url), url)
