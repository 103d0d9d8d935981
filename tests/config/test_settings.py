"""Settings read from the environment: run manage.py in a subprocess with a clean one."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRINT = (
    "from django.conf import settings as s; import json; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), "
    "'conn_max_age': s.DATABASES['default'].get('CONN_MAX_AGE'), "
    "'health': s.DATABASES['default'].get('CONN_HEALTH_CHECKS'), "
    "'cache': s.CACHES['default']['BACKEND'], 'broker': s.CELERY_BROKER_URL, "
    "'cache_location': str(s.CACHES['default'].get('LOCATION')), "
    "'acks_late': s.CELERY_TASK_ACKS_LATE, 'prefetch': s.CELERY_WORKER_PREFETCH_MULTIPLIER, "
    "'transport': s.CELERY_BROKER_TRANSPORT_OPTIONS, "
    "'verification': s.ACCOUNT_EMAIL_VERIFICATION}))"
)


def clean_env(**extra: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "CACHE_", "EMAIL_"))
        and k
        not in {
            "ACCOUNT_EMAIL_VERIFICATION",
            "ACCOUNT_DEFAULT_HTTP_PROTOCOL",
            "SITE_URL",
            "RUN_PORT",
        }
    }
    env.update(extra)
    return env


def settings_for(module: str, **extra: str) -> dict:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT],
        cwd=ROOT,
        env=clean_env(DJANGO_SETTINGS_MODULE=module, **extra),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def env_example() -> dict:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value.strip('"')
    return values


def test_embedded_default_uses_sqlite_file_cache_and_filesystem_broker():
    s = settings_for("config.settings.local")
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"].endswith("var/roundtable.sqlite3")
    assert s["cache"].endswith("FileBasedCache")
    assert s["broker"].startswith("filesystem://")
    transport = s["transport"]
    assert transport["data_folder_in"] == transport["data_folder_out"]
    assert transport["control_folder"].endswith("var/broker/control")
    assert transport["polling_interval"] == 0.1


def test_email_verification_is_mandatory_everywhere_so_signup_hides_existing_accounts():
    # allauth can only keep sign-up from saying "already registered" under mandatory
    # verification; the environment cannot weaken it.
    s = settings_for("config.settings.local", ACCOUNT_EMAIL_VERIFICATION="optional")
    assert s["verification"] == "mandatory"


def test_database_url_selects_postgresql_with_persistent_healthy_connections():
    s = settings_for(
        "config.settings.local",
        DATABASE_URL="postgres://someone@db.invalid:5432/roundtable",
        REDIS_URL="redis://redis.invalid:6379/0",
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["conn_max_age"] == 60
    assert s["health"] is True
    assert s["cache"].endswith("RedisCache")
    assert s["broker"] == "redis://redis.invalid:6379/0"
    assert s["transport"]["visibility_timeout"] == 3600
    # The cache must not share the broker's database: cache.clear() is FLUSHDB.
    assert s["cache_location"] == "redis://redis.invalid:6379/1"
    # A task killed with its worker is redelivered, not lost.
    assert s["acks_late"] is True
    assert s["prefetch"] == 1


def test_production_deploy_check_is_clean_with_the_documented_variables():
    env = clean_env(**env_example())
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_forces_mandatory_email_verification():
    s = settings_for(
        "config.settings.production",
        **{
            **{k: v for k, v in env_example().items() if k != "DJANGO_SETTINGS_MODULE"},
            "ACCOUNT_EMAIL_VERIFICATION": "optional",
        },
    )
    assert s["verification"] == "mandatory"
    assert s["cache"].endswith("RedisCache")


def test_var_dir_moves_all_embedded_state(tmp_path):
    s = settings_for("config.settings.local", ROUNDTABLE_VAR_DIR=str(tmp_path))
    assert s["name"] == str(tmp_path / "roundtable.sqlite3")
    assert s["cache_location"] == str(tmp_path / "cache")
    assert s["transport"]["data_folder_in"] == str(tmp_path / "broker" / "queue")
    assert (tmp_path / "broker" / "control").is_dir()


def test_production_refuses_to_start_without_its_required_variables():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=clean_env(DJANGO_SETTINGS_MODULE="config.settings.production"),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("name", sorted(env_example()))
def test_every_documented_variable_is_read_by_the_code(name):
    apps = ("config", "outbox", "members", "circles", "meetings", "reports", "demo")
    sources = "".join(p.read_text() for app in apps for p in (ROOT / app).rglob("*.py"))
    assert f'"{name}"' in sources, f"{name} is documented in .env.example but never read"


def test_every_variable_the_code_reads_is_documented():
    import re

    sources = "".join(p.read_text() for p in (ROOT / "config" / "settings").glob("*.py"))
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', sources))
    documented = set(env_example()) | {
        line[2:].partition("=")[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.startswith("# ") and "=" in line and line[2:].partition("=")[0].isupper()
    }
    assert read - documented == set()


def session_engine_for(module: str, **extra: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings as s; print(s.SESSION_ENGINE)",
        ],
        cwd=ROOT,
        env=clean_env(DJANGO_SETTINGS_MODULE=module, **extra),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_sessions_are_read_from_redis_when_there_is_one():
    # One Redis GET instead of a database query on every signed-in request; cached_db
    # writes through, so a Redis restart signs nobody out.
    redis = {"REDIS_URL": "redis://redis.invalid:6379/0"}
    assert session_engine_for("config.settings.local", **redis).endswith("cached_db")
    production = {k: v for k, v in env_example().items() if k != "DJANGO_SETTINGS_MODULE"}
    assert session_engine_for("config.settings.production", **production).endswith("cached_db")
    # Without Redis the embedded default keeps them in its database (its file cache is
    # slower than SQLite).
    assert session_engine_for("config.settings.local") == "django.contrib.sessions.backends.db"


def production_database(database_url: str, *, connect: bool = False) -> dict:
    """The production settings' database options, and with `connect` PostgreSQL's `jit`
    on a connection they open."""
    script = (
        "from django.conf import settings as s; from django.db import connection; import json; "
        "d = s.DATABASES['default']; jit = None\n"
        f"if {connect}:\n"
        "    with connection.cursor() as c:\n"
        "        c.execute('SHOW jit'); jit = c.fetchone()[0]\n"
        "print(json.dumps({'options': d.get('OPTIONS', {}), 'max_age': d.get('CONN_MAX_AGE'), "
        "'health': d.get('CONN_HEALTH_CHECKS'), 'jit': jit}))"
    )
    production = {k: v for k, v in env_example().items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=clean_env(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            **{**production, "DATABASE_URL": database_url},
        ),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_keeps_the_database_options_of_base_settings_jit_off_included():
    # Production once rebuilt DATABASES and lost jit=off: report pages then spent 0.2 s
    # more compiling their queries (bench/exports.py). The options have one home, base.py.
    prod = production_database("postgres://someone@db.invalid:5432/roundtable")
    assert prod["options"] == {"options": "-c jit=off"}
    assert prod["max_age"] == 60
    assert prod["health"] is True


def test_a_connection_made_with_production_settings_has_jit_off():
    from urllib.parse import urlsplit

    from django.db import connection

    url = os.environ.get("DATABASE_URL", "")
    if connection.vendor != "postgresql":
        # The embedded default's SQLite has no JIT; CI runs this file on PostgreSQL.
        assert production_database("sqlite:////nonexistent/x.sqlite3")["jit"] is None
        return
    # The server's own maintenance database: the test only asks a setting.
    server = urlsplit(url)._replace(path="/postgres").geturl()
    assert production_database(server, connect=True)["jit"] == "off"
