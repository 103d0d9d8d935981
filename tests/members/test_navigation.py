from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import context_processors

pytestmark = pytest.mark.django_db

REPORTS = reverse("reports:overview")


def admin_checks(client, url="/") -> tuple[int, str]:
    """How many program-admin queries a page ran, and its HTML."""
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(url).content.decode()
    return sum("circles_program_admins" in q["sql"] for q in ctx.captured_queries), html


def test_program_admin_sees_reports_link_and_pages_skip_the_check(client, dana, program):
    client.force_login(dana)  # decided at sign-in, kept in the session
    for url in ("/", reverse("members:profile")):
        checks, html = admin_checks(client, url)
        assert (checks, REPORTS in html) == (0, True)


def test_new_program_admin_gets_the_link_once_the_kept_answer_expires(client, bob, program):
    client.force_login(bob)
    assert REPORTS not in client.get("/").content.decode()
    program.admins.add(bob)
    assert REPORTS not in client.get("/").content.decode()  # kept a few minutes
    later = context_processors.time.time() + context_processors.NAV_REPORTS_SECONDS + 1
    with mock.patch.object(context_processors.time, "time", return_value=later):
        checks, html = admin_checks(client)
    assert (checks, REPORTS in html) == (1, True)


def test_a_kept_answer_for_someone_else_is_not_used(client, bob, dana, program):
    client.force_login(bob)
    session = client.session
    far = context_processors.time.time() + 3600
    session[context_processors.NAV_REPORTS_SESSION_KEY] = [dana.pk, True, far]
    session.save()
    checks, html = admin_checks(client)
    assert (checks, REPORTS in html) == (1, False)


def test_staff_see_reports_without_a_query(client, carol):
    carol.is_staff = True
    carol.save()
    client.force_login(carol)
    checks, html = admin_checks(client)
    assert (checks, REPORTS in html) == (0, True)
