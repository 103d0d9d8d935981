"""The outbox on real parts: PostgreSQL, a private Redis, a real Celery worker with its
beat sweep, and an SMTP sink on loopback that records Message-IDs."""

import contextlib
import threading
import time

import pytest
from django.db import connection
from django.urls import reverse

from outbox import delivery
from outbox.models import Notification
from tests.factories import UserFactory, due_reminders, make_circle

from .services import (
    Redis,
    SmtpSink,
    broker_at,
    kill_hard,
    start_worker,
    stop,
    wait_for,
    worker_env,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the worker process must share the test database: PostgreSQL only")


@pytest.fixture
def database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def redis(tmp_path):
    server = Redis(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def sink():
    with SmtpSink() as smtp:
        yield smtp


def sent_count() -> int:
    return Notification.objects.filter(status="sent").count()


def test_500_due_reminders_are_each_delivered_exactly_once(tmp_path, database_url, redis, sink):
    due_reminders(500)
    worker = start_worker(worker_env(database_url, redis.url, sink.port, tmp_path), tmp_path)
    try:
        assert wait_for(lambda: sent_count() == 500, timeout=120), stop(worker)
    finally:
        output = stop(worker)
    counts = sink.sink.counts
    assert len(counts) == 500, output
    assert max(counts.values()) == 1  # no duplicate Message-ID
    assert set(counts) == set(Notification.objects.values_list("message_id", flat=True))


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_are_bounded(
    tmp_path, database_url, redis, sink
):
    due_reminders(500)
    env = worker_env(database_url, redis.url, sink.port, tmp_path)
    worker = start_worker(env, tmp_path, concurrency=1)
    try:
        assert wait_for(lambda: len(sink.sink.ids) >= 100, timeout=60), stop(worker)
        kill_hard(worker)  # kill -9 the whole worker: main process and its child
        in_flight = Notification.objects.filter(status="sending").count()
        delivered_before = len(sink.sink.counts)
        assert delivered_before < 500
        worker = start_worker(env, tmp_path, concurrency=1)
        assert wait_for(lambda: sent_count() == 500, timeout=120), stop(worker)
    finally:
        stop(worker)
    counts = sink.sink.counts
    duplicates = sum(n - 1 for n in counts.values())
    print(f"killed with {in_flight} rows in flight; {duplicates} duplicate deliveries")
    assert len(counts) == 500  # every message delivered
    assert duplicates <= in_flight  # only rows that were in flight can go out twice
    assert Notification.objects.exclude(status="sent").count() == 0


def test_pages_answer_while_redis_is_down_and_everything_goes_out_after(
    client, tmp_path, database_url, redis, sink, settings, request
):
    settings.NOTIFICATIONS_DELIVERY = "celery"
    stack = contextlib.ExitStack()
    stack.enter_context(broker_at(redis.url))  # and back to the usual broker afterwards
    request.addfinalizer(stack.close)
    alice = UserFactory()
    circle = make_circle(alice)
    redis.stop()
    client.force_login(alice)
    started = time.monotonic()
    response = client.post(
        reverse("circles:invite", kwargs={"slug": circle.slug}),
        {"emails": "a@example.org, b@example.org, c@example.org"},
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 2, f"the page waited {elapsed:.1f}s on the broker"
    assert circle.invitations.count() == 3
    assert Notification.objects.filter(kind="invitation", status="pending").count() == 3
    redis.start()
    worker = start_worker(worker_env(database_url, redis.url, sink.port, tmp_path), tmp_path)
    try:
        assert wait_for(lambda: sent_count() == 3, timeout=60), stop(worker)
    finally:
        stop(worker)
    assert len(sink.sink.counts) == 3


def test_a_refusing_mail_server_means_retries_with_backoff_then_delivery(
    tmp_path, database_url, redis, sink
):
    due_reminders(20)
    sink.sink.refusing = True
    worker = start_worker(worker_env(database_url, redis.url, sink.port, tmp_path), tmp_path)
    try:
        assert wait_for(lambda: sink.sink.refused >= 40, timeout=60), stop(worker)
        retried = Notification.objects.filter(attempts__gte=2)
        assert retried.count() == 20
        assert all("451" in n.last_error for n in Notification.objects.all())
        assert Notification.objects.filter(status="sent").count() == 0
        sink.sink.refusing = False
        assert wait_for(lambda: sent_count() == 20, timeout=90), stop(worker)
    finally:
        stop(worker)
    assert len(sink.sink.counts) == 20
    assert max(sink.sink.counts.values()) == 1


def test_two_copies_of_one_batch_running_at_once_send_each_message_once(settings, sink):
    """A redelivered batch task (its first run still going) must not send what the first
    run sends: each run takes its rows for itself before sending any."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", sink.port, False
    due_reminders(40)
    [ids] = delivery.claim_due()
    start = threading.Barrier(2)
    results = []

    def run_copy():
        try:
            start.wait(timeout=10)
            results.append(delivery.send_batch(ids))
        finally:
            connection.close()

    copies = [threading.Thread(target=run_copy) for _ in range(2)]
    for copy in copies:
        copy.start()
    for copy in copies:
        copy.join(60)
    counts = sink.sink.counts
    assert len(counts) == 40 and max(counts.values()) == 1, "a message went out twice"
    assert sorted(r["sent"] for r in results) == [0, 40]
    assert sent_count() == 40
