"""One setting, SITE_URL, is the base of every emailed link; `make run` serves on RUN_PORT
and SITE_URL's default follows it, so the links in its emails open the running site."""

import re
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from circles import actions as circle_actions
from outbox import delivery
from tests.config.test_settings import ROOT, clean_env
from tests.factories import due_reminders

URL = re.compile(r"https?://[^\s\"'<>]+")
PRINT = (
    "from django.conf import settings; from outbox.messages import public_url; "
    "print(settings.SITE_URL, public_url('http://testserver/accounts/login/'))"
)


def site_url_for(**env: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT],
        cwd=ROOT,
        env=clean_env(DJANGO_SETTINGS_MODULE="config.settings.local", **env),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1].split()


def test_site_url_follows_the_port_make_run_serves_on():
    assert site_url_for(RUN_PORT="8101") == [
        "http://127.0.0.1:8101",
        "http://127.0.0.1:8101/accounts/login/",
    ]


def test_site_url_defaults_to_port_8000_and_an_explicit_one_wins():
    assert site_url_for()[0] == "http://127.0.0.1:8000"
    assert site_url_for(RUN_PORT="")[0] == "http://127.0.0.1:8000"
    explicit = site_url_for(RUN_PORT="8101", SITE_URL="https://circles.example.edu")
    assert explicit == [
        "https://circles.example.edu",
        "https://circles.example.edu/accounts/login/",
    ]


def test_make_run_passes_its_port_to_every_process():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^export RUN_PORT$", makefile, re.M)
    result = subprocess.run(
        ["make", "-s", "help", "RUN_PORT=8101"], cwd=ROOT, capture_output=True, text=True
    )
    assert "serve http://127.0.0.1:8101" in result.stdout
    procfile = (ROOT / "config" / "Procfile").read_text()
    assert "runserver 127.0.0.1:${RUN_PORT:-8000}" in procfile


@pytest.mark.django_db
def test_every_emailed_link_starts_with_site_url(settings, alice, circle, committed, mailoutbox):
    settings.SITE_URL = "http://127.0.0.1:8101"
    with committed():
        circle_actions.invite(circle, ["erin@example.org"], by=alice)
    due_reminders(1)
    delivery.deliver_due()
    kinds = {mail.subject for mail in mailoutbox}
    assert len(kinds) == 2
    for mail in mailoutbox:
        bodies = [mail.body] + [body for body, _mime in mail.alternatives]
        urls = [url for body in bodies for url in URL.findall(body)]
        ours = [url for url in urls if not url.startswith("https://example.org/")]  # video link
        assert ours and all(url.startswith("http://127.0.0.1:8101/") for url in ours), ours


@pytest.mark.django_db
def test_seed_demo_prints_the_login_url_on_site_url(settings):
    settings.DEBUG = True
    settings.SITE_URL = "http://127.0.0.1:8101"
    out = StringIO()
    call_command("seed_demo", password="a-demo-passphrase", stdout=out)
    assert "Log in at http://127.0.0.1:8101/accounts/login/ with:" in out.getvalue()
    assert ":8000" not in out.getvalue()
