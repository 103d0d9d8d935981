"""The career check-in: every six months since a person first joined a circle, members
(and alumni, for five years after they leave) are asked to confirm their academic position
and to add milestones. Programs measure themselves by these (retention in academia, career
development awards), so alumni are asked too.

Each person gets at most one email per period: the period's number is in the outbox key
(`career_checkin:<user pk>:<n>`), so a sweep that runs twice, or two at once, queues one.
"""

from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from outbox import kinds
from outbox.messages import notify, public_url
from outbox.models import Notification

from .models import CHECK_IN_PERIOD, User

CHUNK = 500
CAREER_CHECKIN = kinds.register("career_checkin", "Career check-in")


def periods_since(start: datetime, now: datetime) -> int:
    """Whole check-in periods (six calendar months) from `start` to `now`."""
    delta = relativedelta(now, start)
    return (delta.years * 12 + delta.months) // CHECK_IN_PERIOD.months


def check_in_key(user_pk: int, period: int) -> str:
    return f"career_checkin:{user_pk}:{period}"


def send_career_check_ins(now: datetime | None = None) -> int:
    """Queue this period's check-in for everyone due one; return how many were queued.
    Two queries per 500 people (candidates, then the keys already queued), then one
    notify() per email."""
    now = now or timezone.now()
    due: dict[str, User] = {}
    for user in User.objects.for_career_check_in(now).order_by("pk"):
        period = periods_since(user.first_joined, now)
        if period < 1:
            continue
        starts = user.first_joined + period * CHECK_IN_PERIOD
        if user.position_confirmed_at and user.position_confirmed_at >= starts:
            continue  # already confirmed on their own this period: nothing to ask
        due[check_in_key(user.pk, period)] = user
    career_url = public_url(reverse("members:career"))
    keys = list(due)
    sent = 0
    # In chunks: the key lookup stays within SQLite's parameter limit, and each chunk is
    # one transaction, so the outbox is kicked once per chunk, not once per email.
    for i in range(0, len(keys), CHUNK):
        chunk = keys[i : i + CHUNK]
        queued = set(
            Notification.objects.filter(dedupe_key__in=chunk).values_list("dedupe_key", flat=True)
        )
        todo = [key for key in chunk if key not in queued]
        if not todo:
            continue
        with transaction.atomic():
            for key in todo:
                user = due[key]
                notify(
                    CAREER_CHECKIN,
                    user,
                    key=key,
                    context={"career_url": career_url, "is_alumnus": not user.is_seated},
                )
                sent += 1
    return sent
