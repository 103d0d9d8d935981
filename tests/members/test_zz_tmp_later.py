from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from meetings.models import Attendance, AttendanceChange, Meeting, MeetingLog, AgendaItem, RSVP

pytestmark = pytest.mark.django_db


def test_months_later(settings, monkeypatch, mailoutbox):
    settings.DEBUG = True
    for iso in ["2026-11-22T08:00", "2026-12-20T08:00", "2027-03-05T08:00", "2027-03-05T09:00"]:
        fake = datetime.fromisoformat(iso).replace(tzinfo=UTC)
        monkeypatch.setattr(timezone, "now", lambda fake=fake: fake)
        call_command("seed_demo")
        for slug in ["early-career-women-in-medicine", "micrew"]:
            ms = Meeting.objects.filter(circle__slug=slug)
            past = ms.filter(end__lte=fake)
            noatt = [m for m in past if not m.attendance.exists()]
            print(iso, slug, ms.count(), past.count(), MeetingLog.objects.filter(meeting__in=past).count(),
                  Attendance.objects.filter(meeting__circle__slug=slug).count(), len(noatt),
                  AgendaItem.objects.filter(meeting__circle__slug=slug).count(), RSVP.objects.filter(meeting__circle__slug=slug).count())
            assert not noatt
        assert Attendance.objects.count() == AttendanceChange.objects.count()
    assert mailoutbox == []
