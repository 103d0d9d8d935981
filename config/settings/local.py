"""The embedded default: `make run` on a laptop, no servers to install."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# The embedded default sweeps the outbox every 10 seconds, so emails show up promptly
# in the worker's console (production: every minute, plus a kick after each commit).
CELERY_BEAT_SCHEDULE["dispatch-due-notifications"]["schedule"] = env.float(  # noqa: F405
    "NOTIFICATIONS_SWEEP_SECONDS", default=10
)
