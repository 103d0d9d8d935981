"""One vocabulary for accounts: "Sign up", "Log in", "Log out" on every page, button,
title, message and email (allauth's own "Sign In" / "Signup" / "Sign Out" included)."""

import re
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Any other spelling of the three actions, as a person reads it.
OTHER_WORDING = re.compile(r"\bsign[ -]?(in|on|out)\b|\bsignup\b|\blog[ -]?on\b|\blogin\b", re.I)


def visible_text(html: str) -> str:
    """What a person reads: tags, attributes and scripts removed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def assert_our_wording(text: str, where: str) -> None:
    found = OTHER_WORDING.findall(text)
    match = OTHER_WORDING.search(text)
    assert not found, f"{where}: {match.group(0)!r} in …{text[max(0, match.start() - 60) :][:120]}…"


@pytest.mark.parametrize(
    ("url", "title", "button"),
    [
        (reverse("account_login"), "Log in", "Log in"),
        (reverse("account_signup"), "Sign up", "Sign up"),
        (reverse("account_reset_password"), None, None),
        (reverse("account_email_verification_sent"), None, None),
        (reverse("home"), None, None),
    ],
)
def test_visitor_pages_say_sign_up_and_log_in(client, url, title, button):
    html = client.get(url).content.decode()
    assert_our_wording(visible_text(html), url)
    if title:
        assert f"<title>{title} · Roundtable</title>" in re.sub(r"\s+", " ", html)
        assert re.search(rf"<button[^>]*>\s*{button}\s*</button>", html)


def test_logout_page_and_messages_say_log_in_and_log_out(client, bob):
    response = client.post(reverse("account_login"), {"login": bob.email, "password": PASSWORD})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"You are logged in as {bob.display_name}."
    ]
    html = client.get(reverse("account_logout")).content.decode()
    assert_our_wording(visible_text(html), "logout page")
    assert "Are you sure you want to log out?" in html
    assert re.search(r"<button[^>]*>\s*Log out\s*</button>", html)
    response = client.post(reverse("account_logout"), follow=True)
    assert "You have logged out." in response.content.decode()


def test_the_account_already_exists_email_says_sign_up(client, bob, mailoutbox):
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Someone",
            "email": bob.email,
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )
    (mail,) = mailoutbox
    assert "tried to sign up" in mail.body
    assert_our_wording(mail.subject + mail.body, "account-exists email")


def test_our_templates_use_one_wording():
    # Template tags, variables and HTML tags (URLs, names, classes) are not read by people.
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in (".html", ".txt"):
            continue
        text = re.sub(r"\{[%{#].*?[%}#]\}", " ", path.read_text(), flags=re.S)
        assert_our_wording(visible_text(text), str(path.relative_to(TEMPLATES)))
