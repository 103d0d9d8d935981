"""`make run`'s processes (config/Procfile through honcho): the web server, a Celery worker
and beat come up on the embedded default, and one Ctrl-C (SIGINT) stops all of them."""

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.config.test_settings import clean_env

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_run_processes_start_and_one_ctrl_c_stops_them_all(tmp_path):
    port = free_port()
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        RUN_PORT=str(port),
        ROUNDTABLE_VAR_DIR=str(tmp_path),  # not the developer's own var/
    )
    env["PATH"] = f"{BIN}:{env['PATH']}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    honcho = subprocess.Popen(
        [str(BIN / "honcho"), "-f", "config/Procfile", "-d", ".", "start"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as r:
                    status = r.status
            except OSError:
                time.sleep(0.3)
        assert status == 200
        children = psutil.Process(honcho.pid).children(recursive=True)
        commands = " ".join(" ".join(c.cmdline()) for c in children)
        assert "runserver" in commands
        assert "worker" in commands and "beat" in commands
    finally:
        honcho.send_signal(signal.SIGINT)
        output, _ = honcho.communicate(timeout=60)
    _gone, alive = psutil.wait_procs(children, timeout=15)
    assert alive == [], output
    assert "Warm shutdown" in output  # the worker finished cleanly, not killed
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
    assert (tmp_path / "celerybeat-schedule").exists() or list(tmp_path.glob("celerybeat*"))
