import os

# Playwright's sync API runs an event loop in the test thread; Django's ORM would refuse to
# run next to it. Must be set before Django checks it, so at the very top.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import time
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.cache import cache

from tests.factories import PASSWORD, UserFactory, make_circle  # noqa: F401

# CI sets these so that "skipped because a real part is missing" becomes a failure.
REQUIRE_POSTGRES = os.environ.get("ROUNDTABLE_REQUIRE_POSTGRES") == "1"
REQUIRE_BROWSER = os.environ.get("ROUNDTABLE_REQUIRE_BROWSER") == "1"
REQUIRE_REDIS = os.environ.get("ROUNDTABLE_REQUIRE_REDIS") == "1"
FORBID_SKIPS = os.environ.get("ROUNDTABLE_FORBID_SKIPS") == "1"


def pytest_addoption(parser):
    parser.addoption(
        "--today",
        metavar="YYYY-MM-DD[THH:MM]",
        help="run the suite as if it were this day (Python's clock, through time-machine; "
        "the clock keeps ticking). Without a time, today's UTC time of day is kept.",
    )


def travel_target(value: str, now: datetime | None = None) -> datetime:
    """The instant `--today` names, in UTC."""
    now = now or datetime.now(UTC)
    try:
        if "T" in value:
            moment = datetime.fromisoformat(value)
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        return datetime.combine(date.fromisoformat(value), now.timetz())
    except ValueError as exc:
        message = f"--today={value}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        raise pytest.UsageError(message) from exc


def pytest_configure(config):
    value = config.getoption("--today")
    if value:
        # Started before any test module is imported, so module-level dates travel too.
        # The database's own clock (now(), CURRENT_DATE) does not travel: product code
        # never asks it, and tests/config/test_today.py proves the option works.
        target = travel_target(value)
        # Subprocesses started through tests/integration/travelling.py (the Celery worker)
        # travel by the same offset, so they see the same day.
        os.environ[TODAY_OFFSET] = str(target.timestamp() - time.time())
        traveller = time_machine.travel(target, tick=True)
        traveller.start()
        config.stash[_TRAVELLER] = traveller


def pytest_unconfigure(config):
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()
        os.environ.pop(TODAY_OFFSET, None)


def pytest_report_header(config):
    value = config.getoption("--today")
    return f"--today: running as if it were {travel_target(value).isoformat()}" if value else None


_TRAVELLER = pytest.StashKey[time_machine.travel]()
TODAY_OFFSET = "ROUNDTABLE_TODAY_OFFSET"


def pytest_sessionstart(session):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if REQUIRE_POSTGRES and engine != "django.db.backends.postgresql":
        raise pytest.UsageError(
            f"ROUNDTABLE_REQUIRE_POSTGRES=1 but the database engine is {engine}: "
            "set DATABASE_URL=postgres://..."
        )
    if REQUIRE_REDIS and not settings.REDIS_URL:
        raise pytest.UsageError("ROUNDTABLE_REQUIRE_REDIS=1 but REDIS_URL is not set.")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Keep pytest-django's order (database tests, then transactional ones, then the rest)
    after pytest regrouped items around pytest-playwright's session-scoped browser
    parameter: a transactional test's flush must never run before a plain database test."""

    def order(item) -> int:
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", [])
        if (marker and marker.kwargs.get("transaction")) or "live_server" in fixtures:
            return 1
        return 0 if marker or "db" in fixtures else 2

    items.sort(key=order)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if FORBID_SKIPS and skipped and exitstatus == 0:
        reporter.write_line(
            f"ROUNDTABLE_FORBID_SKIPS=1: {skipped} test(s) were skipped; failing the run.",
            red=True,
        )
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth keeps rate-limit counters in the cache; tests must not share them.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# The cast: alice organizes the circle, bob is a member, carol is an outsider, dana
# administers the program; olga organizes another circle of the same program.
@pytest.fixture
def alice(db):
    return UserFactory(email="alice@example.org", full_name="Alice Archer", preferred_name="Alice")


@pytest.fixture
def bob(db):
    return UserFactory(email="bob@example.org", full_name="Bob Baker")


@pytest.fixture
def carol(db):
    return UserFactory(email="carol@example.org", full_name="Carol Chen")


@pytest.fixture
def dana(db):
    # A program admin is not site staff: reports must work through the program alone.
    return UserFactory(email="dana@example.org", full_name="Dana Diaz")


@pytest.fixture
def olga(db):
    return UserFactory(email="olga@example.org", full_name="Olga Olsen")


@pytest.fixture
def program(db, dana):
    from circles.models import Program

    program = Program.objects.create(name="Women in Medicine Circles", slug="wim")
    program.admins.add(dana)
    return program


@pytest.fixture
def circle(alice, bob, program):
    """Alice organizes it, Bob is a member; listed, approval, capacity 12."""
    return make_circle(
        alice,
        members=[bob],
        program=program,
        name="Early Career Circle",
        slug="early-career",
        capacity=12,
    )


@pytest.fixture
def other_circle(olga, program):
    return make_circle(olga, program=program, name="Other Circle", slug="other")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs the block's after-commit callbacks (emails) as a real
    commit would; the test's own transaction never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
