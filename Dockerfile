# One image for web (gunicorn), worker (celery worker) and beat (celery beat); the compose
# file picks the process with `command`. See docs/deployment.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

RUN groupadd --system --gid 10001 roundtable \
    && useradd --system --uid 10001 --gid roundtable --create-home \
        --shell /usr/sbin/nologin roundtable

WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock file changes.
# psycopg[binary] ships manylinux wheels, so no compiler or libpq is needed.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

# The code stays owned by root (the app cannot rewrite itself); only var/ is writable,
# because STATIC_ROOT defaults to var/staticfiles and the web command re-runs collectstatic.
COPY . .
RUN mkdir -p /app/var/exports && chown -R roundtable:roundtable /app/var

USER roundtable

# Production settings refuse to load without these; the dummy values exist only for this
# RUN line (collectstatic connects to neither the database nor Redis) and are not kept
# in the image.
RUN DJANGO_SECRET_KEY=build \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
