import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_visitor_sees_the_landing_page(client):
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "peer mentoring circles" in html
    assert "research workgroups" in html
    assert reverse("account_signup") in html


def test_every_page_has_skip_link_landmarks_and_nav(client, bob):
    client.force_login(bob)
    html = client.get(reverse("home")).content.decode()
    assert '<a class="visually-hidden-focusable skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<nav class="navbar' in html and 'aria-label="Main"' in html
    assert "<footer" in html
    for label in ("Circles", "Meetings", "My profile", "Log out"):
        assert label in html


def test_member_dashboard_has_circles_meetings_and_surveys_sections(client, bob):
    client.force_login(bob)
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert "Welcome, Bob Baker" in html
    for heading in ("My circles", "Upcoming meetings", "Surveys to answer"):
        assert heading in html


def test_dashboard_asks_to_complete_an_empty_profile(client, bob):
    bob.institution = None
    bob.save()
    client.force_login(bob)
    assert b"Complete your profile" in client.get(reverse("home")).content


def test_reports_link_only_for_admins(client, bob, dana, program):
    client.force_login(bob)
    assert reverse("reports:overview") not in client.get(reverse("home")).content.decode()
    client.force_login(dana)
    assert reverse("reports:overview") in client.get(reverse("home")).content.decode()


def test_member_without_admin_role_gets_a_friendly_403_on_reports(client, bob):
    client.force_login(bob)
    response = client.get(reverse("reports:overview"))
    assert response.status_code == 403
    assert b"have access to this page" in response.content


def test_program_admin_opens_reports(client, dana, program):
    client.force_login(dana)
    assert client.get(reverse("reports:overview")).status_code == 200


def test_unknown_page_gets_the_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"We couldn" in response.content
    assert b"skip-link" in response.content


def test_server_error_page_renders_without_context(client):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html


def test_home_refuses_post(client):
    assert client.post(reverse("home")).status_code == 405


def test_pages_send_a_strict_content_security_policy(client):
    csp = client.get(reverse("home"))["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_pages_load_only_vendored_assets(client, bob):
    client.force_login(bob)
    for url in (reverse("home"), reverse("account_login"), reverse("members:profile_edit")):
        client.logout() if url == reverse("account_login") else client.force_login(bob)
        html = client.get(url).content.decode()
        assert 'src="http' not in html and 'href="http' not in html.replace(
            'href="http://testserver', ""
        )
        assert "<script>" not in html and "style=" not in html
        assert "/static/vendor/bootstrap-5.3.9/css/bootstrap.min.css" in html


def test_health_check_reports_database_and_cache(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


def test_health_check_reports_503_when_the_database_fails(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise connection.features.connection.Database.OperationalError("down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert b"OperationalError" in response.content


def test_expired_form_page_keeps_the_signed_in_navigation(bob):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = client.post(reverse("members:profile_edit"), {"full_name": "X"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your form expired" in html
    assert "Log out" in html and "Bob Baker" in html
