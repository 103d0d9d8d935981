"""A real Celery worker, started the way `make run` and docker compose start it, answers
over the configured broker: Redis in CI and production, the filesystem broker in the
embedded default."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery

from tests.config.test_settings import clean_env, settings_for

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")

pytestmark = pytest.mark.integration


def start_worker(env: dict, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            CELERY,
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=info",
            "-Q",
            "celery,email,reports",
            "-n",
            name,
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def ping_until_answered(app: Celery, name: str, deadline_s: float = 45) -> list:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        replies = app.control.ping(destination=[name], timeout=1.0)
        if replies:
            return replies
    return []


def stop(worker: subprocess.Popen) -> str:
    worker.terminate()
    try:
        output, _ = worker.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate()
    return output


def app_for(settings: dict) -> Celery:
    app = Celery("probe", broker=settings["broker"])
    app.conf.broker_transport_options = settings["transport"]
    return app


def assert_worker_answers(settings_module: str, broker_scheme: str, **extra: str) -> None:
    env = clean_env(DJANGO_SETTINGS_MODULE=settings_module, **extra)
    settings = settings_for(settings_module, **extra)
    assert settings["broker"].startswith(broker_scheme)
    name = f"test-{uuid.uuid4().hex[:8]}@roundtable"
    worker = start_worker(env, name)
    try:
        replies = ping_until_answered(app_for(settings), name)
    finally:
        output = stop(worker)
    assert replies == [{name: {"ok": "pong"}}], output
    assert f"Connected to {broker_scheme}" in output
    assert "Warm shutdown" in output


def test_worker_answers_over_redis():
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: the Redis worker test needs a real Redis")
    assert_worker_answers("config.settings.test", "redis://", REDIS_URL=redis_url)


def test_worker_answers_over_the_embedded_filesystem_broker(tmp_path):
    assert_worker_answers(
        "config.settings.local", "filesystem://", ROUNDTABLE_VAR_DIR=str(tmp_path)
    )
