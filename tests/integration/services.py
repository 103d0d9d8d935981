"""Real services for integration tests: an SMTP sink on loopback (aiosmtpd) that records
every Message-ID it accepts, a private redis-server we can stop and start, and a Celery
worker (with its beat sweep) started as a separate process on the test database."""

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """aiosmtpd handler: keeps the Message-IDs it accepted; can refuse mail on demand."""

    def __init__(self):
        self.ids: list[str] = []
        self.refusing = False
        self.refused = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.refusing:
            with self.lock:
                self.refused += 1
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.original_content)
        with self.lock:
            self.ids.append(message["Message-ID"])
        return "250 OK"

    @property
    def counts(self) -> Counter:
        with self.lock:
            return Counter(self.ids)


class SmtpSink:
    def __init__(self):
        self.port = free_port()
        self.sink = Sink()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class Redis:
    """A redis-server of our own on a free port, so a test may stop it."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.tmp = tmp
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process:
            self.process.kill()
            self.process.wait(10)
            self.process = None


def worker_env(database_url: str, broker_url: str, smtp_port: int, tmp: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "EMAIL_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url,
            "REDIS_URL": broker_url,
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "NOTIFICATIONS_DELIVERY": "celery",
            "NOTIFICATIONS_SWEEP_SECONDS": "0.5",
            "NOTIFICATIONS_STUCK_AFTER_SECONDS": "8",
            "NOTIFICATIONS_RETRY_BASE_SECONDS": "1",
            "CELERY_VISIBILITY_TIMEOUT": "8",
            "ROUNDTABLE_VAR_DIR": str(tmp),
        }
    )
    return env


def start_worker(
    env: dict,
    tmp: Path,
    *,
    concurrency: int = 2,
    queues: str = "celery,email,reports",
    beat: bool = True,
) -> subprocess.Popen:
    beat_args = ["-B", "-s", str(tmp / "beat-schedule")] if beat else []
    return subprocess.Popen(
        [
            # `celery ...` on the suite's clock: with --today the worker travels too.
            sys.executable,
            "-m",
            "tests.integration.travelling",
            "celery",
            "-A",
            "config",
            "worker",
            *beat_args,
            "--loglevel=warning",
            f"--concurrency={concurrency}",
            "-Q",
            queues,
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"it-{os.getpid()}-{time.time_ns()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: kill -9 takes the children too
    )


def kill_hard(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(10)


def stop(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
    return worker.stdout.read() if worker.stdout else ""


def wait_for(predicate, timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


@contextlib.contextmanager
def broker_at(url: str):
    """Point this process's Celery app at `url` for the block, then back. The app keeps a
    connection pool and a producer pool bound to the broker it first used: both go."""
    from config.celery import app

    def reset() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    before = app.conf.broker_url
    app.conf.broker_url = url
    reset()
    try:
        yield
    finally:
        app.conf.broker_url = before
        reset()
