"""Every URL of the site, with a NUL byte or an out-of-range number in its path, query and
form data, as a visitor and as a signed-in organizer: the answer is a 4xx, never a 500
(PostgreSQL refuses NUL in text and integers beyond bigint; Python dates end at 9999)."""

import re
from urllib.parse import quote

import pytest

from .routes import ADMIN_ROUTES, ALL_ROUTES, PLACEHOLDER, ROUTES, good_values, url_for

pytestmark = pytest.mark.django_db

NUL = "a\x00b"
HUGE_INTS = ["2147483648", "99999999999999999999"]  # beyond int, beyond bigint
# Values for every query and form parameter: NUL, numbers beyond int/bigint, a huge year.
HOSTILE_VALUES = [NUL, *HUGE_INTS, "99999-01-01", "-1e309"]
# Query parameters the views read, besides the fields of the forms they render.
QUERY_NAMES = {"page", "kind", "in_academia", "next", "by", "program", "circle", "start", "end"}
FORM_FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')


def _bad_path_values(converter: str) -> list[str]:
    if converter == "int":
        return HUGE_INTS
    return [NUL, HUGE_INTS[-1]]


def _assert_not_a_server_error(response, what: str) -> None:
    # The test client re-raises a view's exception, so a crash fails with its traceback;
    # this catches a 5xx a view returned itself.
    assert response.status_code < 500, f"{what}: {response.status_code}"


def _sweep(client, name: str, template: str, good: dict, *, post: bool) -> None:
    url = url_for(template, good)
    methods = (client.get, client.post) if post else (client.get,)
    # Path parameters, one at a time.
    for match in PLACEHOLDER.finditer(template):
        for bad in _bad_path_values(match["converter"]):
            hostile = url_for(template, good, (match["name"], bad))
            for method in methods:
                response = method(hostile)
                _assert_not_a_server_error(response, f"{method.__name__} {hostile}")
                if "\x00" in bad:
                    assert response.status_code in (400, 404), hostile
    # A NUL segment after any URL.
    response = client.get(url + quote(NUL))
    assert response.status_code in (400, 404), url
    # Query and form parameters: those the views read and those the page's forms name.
    page = client.get(url)
    names = set(QUERY_NAMES)
    if page.status_code == 200 and page.get("Content-Type", "").startswith("text/html"):
        names |= set(FORM_FIELD.findall(page.content.decode()))
    names.discard("csrfmiddlewaretoken")
    for value in HOSTILE_VALUES:
        data = dict.fromkeys(names, value)
        for method in methods:
            response = method(url, data)
            _assert_not_a_server_error(response, f"{method.__name__} {url} with {value!r}")
            if value == NUL:
                assert response.status_code == 400, url


def test_the_sweep_covers_every_app_and_allauth():
    names = {name for name, _ in ALL_ROUTES}
    for expected in (
        "home",
        "account_signup",
        "account_reset_password_from_key",
        "members:milestone_edit",
        "circles:invitation",
        "meetings:feed",
        "reports:workbook",
        "admin:index",
    ):
        assert expected in names


@pytest.mark.parametrize(("name", "template"), ROUTES, ids=[name for name, _ in ROUTES])
def test_hostile_values_never_cause_a_server_error(client, world, name, template):
    good = good_values(world, name)
    # Visitors are sent to log in before any form is read, so only GETs for them.
    _sweep(client, name, template, good, post=False)
    from members.models import User

    client.force_login(User.objects.get(email="alice@example.org"))  # the circle's organizer
    _sweep(client, name, template, good, post=True)


def test_nul_in_admin_urls_is_a_400(client, alice):
    for who in (None, alice):
        if who:
            client.force_login(who)
        for _name, template in ADMIN_ROUTES:
            if PLACEHOLDER.search(template):
                hostile = "/" + PLACEHOLDER.sub(quote(NUL), template)
                assert client.get(hostile).status_code in (400, 404), hostile
            url = url_for(template, {"app_label": "members"})
            assert client.get(url, {"q": NUL}).status_code == 400, url


def test_nul_in_the_calendar_token_is_a_400(client, db):
    response = client.get("/calendar/a%00b.ics")
    assert response.status_code == 400
    assert b"We couldn" in response.content


def test_nul_in_a_cookie_is_a_400_not_a_session_lookup(client, db):
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get("/").status_code == 400


def test_nul_in_posted_form_data_is_a_400(client, alice):
    client.force_login(alice)
    response = client.post("/profile/edit/", {"full_name": "Alice", "department": NUL})
    assert response.status_code == 400
    assert b"We couldn't read that request" in response.content
