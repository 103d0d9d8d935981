import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_BROWSER

# Debian's Chromium; Playwright never downloads its own browser here.
CHROMIUM = os.environ.get("ROUNDTABLE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# axe-core from the npm registry, vendored (no network at test time).
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    reason = f"Chromium not found at {CHROMIUM}: browser tests skipped (apt-get install chromium)"
    if REQUIRE_BROWSER:
        raise pytest.UsageError(f"ROUNDTABLE_REQUIRE_BROWSER=1 but {reason}")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _migrated_data(transactional_db):
    """Transactional tests end with a flush that also removes rows data migrations made;
    put the default topics back for the next browser test."""
    import importlib

    from circles.models import Topic

    topics = importlib.import_module("circles.migrations.0002_default_topics").TOPICS
    for name, slug in topics:
        Topic.objects.get_or_create(slug=slug, defaults={"name": name})


@pytest.fixture(autouse=True)
def _public_url_is_the_live_server(live_server, settings):
    """The site the browser opens is the public one: links the app hands out (calendar
    feed, emails) start with SITE_URL, as in production."""
    settings.SITE_URL = live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            # Without these Chromium tries to reach Google services the network refuses.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "timezone_id": "America/Detroit",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def console_errors(page):
    """Console errors and CSP violations seen while the test ran."""
    errors: list[str] = []

    def on_console(msg):
        # A form re-rendered with errors answers 4xx on purpose; Chromium logs that.
        expected = "Failed to load resource: the server responded with a status of 4"
        if msg.type == "error" and not msg.text.startswith(expected):
            errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.fixture
def assert_accessible(page):
    """Run axe-core's WCAG 2.2 A/AA rules on the current page; fail listing violations.

    page.evaluate runs through the DevTools protocol, so the page's strict CSP (which
    would block an injected <script>) does not apply to it."""

    def check(label: str) -> None:
        page.evaluate(AXE_SOURCE)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
        )
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"]
        ]
        assert problems == [], f"{label}: " + "\n".join(problems)

    return check


@pytest.fixture
def log_in(page, live_server):
    """Sign `user` in for this browser page without going through the form."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    def as_user(user, context=None) -> None:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        (context or page.context).add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "url": live_server.url,
                }
            ]
        )

    return as_user
