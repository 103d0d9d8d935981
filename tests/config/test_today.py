"""The suite's `--today` option: it must really move the clocks the product reads."""

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import travel_target

ROOT = Path(__file__).resolve().parents[2]


def test_travel_target_keeps_the_time_of_day_when_only_a_date_is_given():
    now = datetime(2026, 11, 29, 14, 5, tzinfo=UTC)
    assert travel_target("2027-03-14", now) == datetime(2027, 3, 14, 14, 5, tzinfo=UTC)


def test_travel_target_takes_an_explicit_time_as_utc():
    assert travel_target("2028-02-29T23:30") == datetime(2028, 2, 29, 23, 30, tzinfo=UTC)


def test_travel_target_refuses_a_day_that_does_not_exist():
    with pytest.raises(pytest.UsageError, match="2027-02-29"):
        travel_target("2027-02-29")


def test_django_now_is_the_day_the_option_names(request):
    value = request.config.getoption("--today")
    expected = travel_target(value).date() if value else datetime.now(UTC).date()
    assert abs((timezone.now().date() - expected).days) <= 1  # a run may cross midnight


def test_a_subprocess_started_through_the_travelling_wrapper_sees_the_same_day(request):
    # The integration tests start their Celery worker this way.
    value = request.config.getoption("--today")
    expected = travel_target(value).date() if value else datetime.now(UTC).date()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.integration.travelling",
            "-c",
            "import datetime; print(datetime.datetime.now(datetime.UTC).date())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    seen = date.fromisoformat(result.stdout.strip())
    assert abs((seen - expected).days) <= 1  # a run may cross midnight
