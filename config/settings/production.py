"""Production: behind a TLS-terminating proxy, PostgreSQL, Redis, SMTP."""

import environ

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# Required here (no SQLite default). The connection settings themselves (persistent
# connections, health checks, jit=off) have one home, base.py: rebuilding DATABASES here
# once dropped jit=off and cost 0.2 s per computed report page (bench/exports.py).
env("DATABASE_URL")

env("REDIS_URL")  # required: the cache (base.py) and the broker must be Redis here
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# TLS ends at the proxy, which must set X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the container healthcheck speaks plain HTTP
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="https")

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    raise environ.ImproperlyConfigured("Production needs REDIS_URL or CELERY_BROKER_URL.")

LOGGING["root"]["level"] = env("DJANGO_LOG_LEVEL", default="INFO")  # noqa: F405
ADMINS = [("Ops", a) for a in env.list("DJANGO_ADMINS", default=[]) if a]
