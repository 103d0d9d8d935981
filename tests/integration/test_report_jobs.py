"""A large workbook on real parts: the web request queues an Export, a real Celery
worker on the reports queue builds it from PostgreSQL, the status page then offers the
download, and the file opens in openpyxl."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from circles.models import Program
from meetings.facts import rebuild_facts
from meetings.models import Attendance, Meeting
from reports.models import Export
from tests.factories import UserFactory, make_circle

from .services import Redis, broker_at, start_worker, stop, wait_for, worker_env

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the worker process must share the test database: PostgreSQL only")


@pytest.fixture
def broker(tmp_path):
    """A private Redis that this process publishes to and the worker consumes from."""
    server = Redis(tmp_path).start()
    with broker_at(server.url):
        yield server.url
    server.stop()


def test_a_large_workbook_is_built_by_the_worker_and_downloaded(client, settings, tmp_path, broker):
    exports_dir = tmp_path / "exports"
    settings.REPORTS_INLINE_MAX_ROWS = 10
    settings.REPORTS_EXPORT_DIR = exports_dir
    admin = UserFactory()
    program = Program.objects.create(name="Big Program", slug="big")
    program.admins.add(admin)
    members = UserFactory.create_batch(5)
    circle = make_circle(UserFactory(), members=members, program=program, name="Big Circle")
    now = timezone.now()
    for days in (30, 20, 10):
        meeting = Meeting.objects.create(
            circle=circle,
            title="Monthly",
            start=now - timedelta(days=days),
            end=now - timedelta(days=days) + timedelta(hours=1),
            timezone="UTC",
            meeting_format="online",
        )
        Attendance.objects.bulk_create(
            Attendance(meeting=meeting, user=u, status="present") for u in members
        )
    rebuild_facts()  # rows written around the actions

    client.force_login(admin)
    response = client.post(reverse("reports:workbook", args=["workbook"]), {})
    assert response.status_code == 302
    export = Export.objects.get()
    assert export.status == Export.Status.QUEUED and export.rows_total == 18  # 6 people × 3

    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = worker_env(database_url, broker, 25, tmp_path)
    env["REPORTS_EXPORT_DIR"] = str(exports_dir)
    worker = start_worker(env, tmp_path, queues="reports", beat=False)
    try:
        built = wait_for(
            lambda: Export.objects.filter(pk=export.pk, status=Export.Status.DONE).exists(), 90
        )
    finally:
        output = stop(worker)
    assert built, output

    page = client.get(response["Location"]).content.decode()
    assert "Download the XLSX" in page
    download = client.get(reverse("reports:export_download", args=[export.public_id]))
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)
    participation = list(book["Participation"].iter_rows(values_only=True))
    assert len(participation) == 1 + 18
    assert {row[1] for row in participation[1:]} == {"Big Circle"}
    assert not list(exports_dir.glob(".*.part"))  # no half-written file left behind
