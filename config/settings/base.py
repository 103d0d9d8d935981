"""Settings shared by every environment. Everything that differs between machines comes
from the environment (see .env.example); the defaults are the embedded development setup."""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file is a convenience for development; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The embedded default's state: SQLite file, filesystem broker, file cache, beat schedule.
VAR_DIR = Path(env("ROUNDTABLE_VAR_DIR", default="") or BASE_DIR / "var")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me-roundtable-embedded")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The public base URL: every link in every email starts with it, whoever renders the
# email (web request or worker). `make run` serves on RUN_PORT, so its default follows.
RUN_PORT = int(env("RUN_PORT", default="") or 8000)
SITE_URL = env("SITE_URL", default="") or f"http://127.0.0.1:{RUN_PORT}"
SITE_NAME = "Roundtable"  # what account emails call the site ("Hello from Roundtable!")

INSTALLED_APPS = [
    "config.apps.RoundtableAdminConfig",  # django.contrib.admin with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_htmx",
    # Our apps, lowest layer first: each imports only those above it in this list
    # (import-linter checks it; see docs/architecture.md).
    "outbox",
    "members",
    "circles",
    "meetings",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before sessions and auth: a NUL byte anywhere in the request is a 400, never a 500.
    "config.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Answers to a signed-in person are never stored by proxies or the browser's disk cache.
    "config.middleware.PrivateCacheMiddleware",
    "members.middleware.TimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "members.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL unset: the embedded default, a SQLite file under var/.
# DATABASE_URL=postgres://...: PostgreSQL through psycopg 3.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'roundtable.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections save a TCP+auth round trip per request; health checks drop a
    # connection that PostgreSQL closed (restart, idle timeout) instead of failing a request.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT: report queries misestimate their CTEs and spent up to a second compiling
    # (bench/exports.py); our queries are short or IO-bound, so JIT never paid off.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    VAR_DIR.mkdir(exist_ok=True)  # SQLite does not create the folder of its file
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets the web server, the worker and beat read while one of them writes.
    DATABASES["default"]["OPTIONS"]["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
# REDIS_URL set: one cache shared by every process (allauth's rate limits rely on it).
REDIS_URL = env("REDIS_URL", default="")


def next_redis_database(url: str) -> str:
    """The same Redis server, one database number up: the cache must not share the
    broker's database, because RedisCache.clear() runs FLUSHDB and would drop the queue."""
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{db + 1}"))


if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("CACHE_URL", default="") or next_redis_database(REDIS_URL),
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="roundtable"),
        }
    }
    # Sessions are read from the shared cache on every signed-in request (one Redis GET
    # instead of a database query) and written through to the database, so a cache flush
    # or a Redis restart signs nobody out (bench/pages.py, docs/performance.md).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # The embedded default runs several processes; a file cache is shared between them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth 65: email is the login; there is no username.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "members.forms.SignupForm"}
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
# Mandatory everywhere, the embedded default too: only then can sign-up hide whether an
# address already has an account (allauth's enumeration prevention mails its owner
# instead of saying "already registered"; see members.forms.SignupForm for the timing).
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # mail scanners follow links: confirming needs a POST
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_CHANGE_EMAIL = True  # one address per person; changing it verifies the new one
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Roundtable] "
# allauth's rate limits are on by default (ACCOUNT_RATE_LIMITS: login failures, sign-ups,
# password resets, confirmation emails...); they count in the cache shared by all processes.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")

# --- Internationalization -------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default="") or str(VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Forms ----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Roundtable <noreply@roundtable.localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

CSRF_FAILURE_VIEW = "config.views.csrf_failure"

# A strict Content Security Policy: every script and style is served from our own origin
# (Bootstrap and htmx are vendored), so no inline code and no CDN is allowed.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap's CSS draws form controls and the navbar toggler with data: SVGs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Celery ---------------------------------------------------------------------------
# CELERY_BROKER_URL and REDIS_URL unset: an embedded broker, kombu's filesystem transport
# under var/, so the embedded default runs a real worker and beat without Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://localhost/"
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "control", "processed"):  # kombu expects the folders to exist
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # One folder for both directions: the web process and the worker share the queue.
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Must exceed the longest time a task may legitimately run before it is acked
        # (late acks); Redis redelivers unacked messages after this many seconds.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # Fail fast when Redis is down (the sweep retries); never hang a web request.
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "max_retries": 1,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None  # tasks record their outcome in our own tables
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
# A task is acknowledged only after it ran, and requeued if its worker dies mid-task
# (kill -9, OOM); each worker process reserves one message at a time. Tasks must therefore
# be idempotent (they claim their row first; see STYLE.md).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BEAT_SCHEDULE = {
    # The outbox sweep: due notifications are claimed and sent in batches.
    "dispatch-due-notifications": {
        "task": "outbox.tasks.dispatch_due_notifications",
        "schedule": env.float("NOTIFICATIONS_SWEEP_SECONDS", default=60),
    },
    "plan-reminders-and-surveys": {
        "task": "meetings.tasks.plan_reminders_and_surveys",
        "schedule": 5 * 60,
    },
    # Open-ended meeting series are generated a rolling number of months ahead.
    "extend-meeting-series": {
        "task": "meetings.tasks.extend_meeting_series",
        "schedule": 6 * 60 * 60,
    },
    # Six-monthly career check-ins fall due on each person's own dates: look once a day.
    "send-career-check-ins": {
        "task": "members.tasks.send_career_check_ins",
        "schedule": 24 * 60 * 60,
    },
    # Built report files are kept a week (their audit rows stay).
    "delete-old-exports": {
        "task": "reports.tasks.delete_old_exports",
        "schedule": 24 * 60 * 60,
    },
}
# Separate queues: sending email never waits behind a long report job.
CELERY_TASK_ROUTES = {
    "outbox.tasks.*": {"queue": "email"},
    "reports.tasks.*": {"queue": "reports"},
    # The old names of the same tasks, for messages queued before the apps moved.
    "meetings.tasks.send_notifications": {"queue": "email"},
    "meetings.tasks.dispatch_due_notifications": {"queue": "email"},
    "circles.tasks.*": {"queue": "reports"},
}
CELERY_TASK_DEFAULT_QUEUE = "celery"
# A web request that enqueues must not hang on a broker that is down.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_MAX_RETRIES = 1

# --- Notifications --------------------------------------------------------------------
# "celery": a worker sends the outbox (kicked after commit, swept every minute);
# "immediate": sent in-process as soon as queued (unit tests only).
NOTIFICATIONS_DELIVERY = env("NOTIFICATIONS_DELIVERY", default="celery")
NOTIFICATIONS_MESSAGE_ID_DOMAIN = env("NOTIFICATIONS_MESSAGE_ID_DOMAIN", default="roundtable.local")
SURVEY_DELAY_HOURS = env.int("SURVEY_DELAY_HOURS", default=2)
# Rows a dead worker left "sending" go back to "pending" after this long.
NOTIFICATIONS_STUCK_AFTER_SECONDS = env.int("NOTIFICATIONS_STUCK_AFTER_SECONDS", default=600)
# First retry delay after a transient SMTP error; doubles per attempt, capped at an hour.
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=60)
# Survey aggregates appear only once this many people answered (no one singled out).
SURVEY_MIN_ANSWERS = 3

# Reports. Workbooks with more participation rows than this are built by a Celery job on
# the "reports" queue (the page shows progress); smaller ones download at once.
REPORTS_INLINE_MAX_ROWS = env.int("REPORTS_INLINE_MAX_ROWS", default=20000)
# Seconds a report page's aggregates are kept in the shared cache. 0 (the default): always
# live — the participation facts are maintained with every write, so a page is current the
# moment a change commits; a very large deployment may trade minutes of staleness for speed.
REPORTS_CACHE_SECONDS = env.int("REPORTS_CACHE_SECONDS", default=0)
# Where those jobs leave their files: shared by web and worker (a volume in compose).
REPORTS_EXPORT_DIR = Path(env("REPORTS_EXPORT_DIR", default="") or VAR_DIR / "exports")
# The key of the research export's pseudonymous ids: keep it to keep ids stable across
# exports; change it to unlink new exports from old ones.
RESEARCH_PSEUDONYM_KEY = env("RESEARCH_PSEUDONYM_KEY", default="") or f"pseudonyms:{SECRET_KEY}"
CELERY_BEAT_SCHEDULE_FILENAME = env("CELERY_BEAT_SCHEDULE_FILENAME", default="") or str(
    VAR_DIR / "celerybeat-schedule"
)

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
