"""Settings for pytest. PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production-use-0123456789"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests must not share rate-limit counters or cached pages with each other or a dev server.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_ALWAYS_EAGER = False
# Serve static files from the app folders (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Unit tests send the outbox in-process as soon as a row is queued (their transaction
# never commits); integration tests start real workers with NOTIFICATIONS_DELIVERY=celery.
NOTIFICATIONS_DELIVERY = env("NOTIFICATIONS_DELIVERY", default="immediate")

# Tests change data between requests and expect live figures (one test turns caching on).
REPORTS_CACHE_SECONDS = 0

# Query budgets count a page's database work from a cold session (as after a cache flush);
# production and the bench read sessions from Redis (cached_db, base.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
