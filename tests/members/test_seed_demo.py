import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from circles.models import Charter, Circle, Membership, MembershipEvent, Program
from members.models import Institution, User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_the_password(settings, capsys, client):
    settings.DEBUG = True
    call_command("seed_demo", password="a-demo-passphrase")
    first = (User.objects.count(), Institution.objects.count(), EmailAddress.objects.count())
    call_command("seed_demo", password="a-demo-passphrase")
    second = (User.objects.count(), Institution.objects.count(), EmailAddress.objects.count())
    assert first == second
    assert first[0] >= 5
    assert first[1] >= 3  # several institutions
    out = capsys.readouterr().out
    assert "a-demo-passphrase" in out
    assert "organizer" in out and "program admin" in out

    response = client.post(
        "/accounts/login/",
        {"login": "organizer@demo.roundtable.test", "password": "a-demo-passphrase"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"  # logged in, not sent to verify the address
    organizer = User.objects.get(email="organizer@demo.roundtable.test")
    assert int(client.session["_auth_user_id"]) == organizer.pk
    assert User.objects.get(email="admin@demo.roundtable.test").is_staff


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing"):
        call_command("seed_demo")
    assert not User.objects.exists()


ADMIN = "admin@demo.roundtable.test"
ORGANIZER = "organizer@demo.roundtable.test"


def _counts() -> dict:
    return {
        "users": User.objects.count(),
        "institutions": Institution.objects.count(),
        "email addresses": EmailAddress.objects.count(),
        "programs": Program.objects.count(),
        "circles": Circle.objects.count(),
        "charters": Charter.objects.count(),
        "memberships": Membership.objects.count(),
        "events": MembershipEvent.objects.count(),
    }


def test_seed_demo_creates_the_programs_with_the_demo_admin(settings, mailoutbox):
    settings.DEBUG = True
    call_command("seed_demo")
    admin = User.objects.get(email=ADMIN)
    for slug, name in [
        ("women-in-medicine", "Women in Medicine Circles"),
        ("critical-care-research", "Critical Care Research"),
    ]:
        program = Program.objects.get(slug=slug)
        assert program.name == name
        assert list(program.admins.all()) == [admin]
    assert mailoutbox == []


def test_seed_demo_peer_circle_has_ten_members_from_six_institutions(settings, mailoutbox):
    settings.DEBUG = True
    call_command("seed_demo")
    circle = Circle.objects.with_counts().get(slug="early-career-women-in-medicine")
    assert circle.program.slug == "women-in-medicine"
    assert (circle.kind, circle.status, circle.join_policy) == ("peer_circle", "active", "approval")
    assert (circle.capacity, circle.timezone) == (12, "America/New_York")
    assert circle.member_count == 10
    assert circle.institution_count == 6
    seated = circle.memberships.seated()
    assert seated.filter(status=Membership.Status.ON_LEAVE).count() == 1
    assert User.objects.filter(memberships__in=seated, gender="woman").count() >= 8
    assert circle.is_organizer(User.objects.get(email=ORGANIZER))
    assert set(circle.topics.values_list("slug", flat=True)) == {
        "promotion",
        "negotiation",
        "parental-leave",
        "burnout",
    }
    assert "Confidentiality" in circle.current_charter.guiding_principles
    assert not any(m.needs_charter_acceptance() for m in seated)
    assert mailoutbox == []


def test_seed_demo_workgroup_has_thirty_members_since_2015(settings, mailoutbox):
    settings.DEBUG = True
    call_command("seed_demo")
    circle = Circle.objects.get(slug="micrew")
    assert circle.program.slug == "critical-care-research"
    assert (circle.kind, circle.meeting_format, circle.capacity) == ("workgroup", "hybrid", None)
    assert circle.place and circle.video_link.startswith("https://example.org/")
    memberships = circle.memberships.all()
    assert memberships.count() == 30
    assert memberships.seated().count() == 15
    alumni = memberships.filter(status=Membership.Status.LEFT)
    assert alumni.count() == 15
    assert all(m.ended_at and m.end_reason and m.ended_at > m.joined_at for m in alumni)
    members = User.objects.filter(memberships__circle=circle).distinct()
    assert members.count() == 30
    assert members.filter(gender=User.Gender.WOMAN).count() == 15
    assert members.values("profession").distinct().count() == 5  # multidisciplinary
    assert min(m.joined_at for m in memberships).year == 2015
    assert max(m.ended_at for m in alumni).year == 2025
    assert circle.is_organizer(User.objects.get(email=ORGANIZER))
    assert all(m.charter_accepted == circle.current_charter for m in memberships.seated())
    # One event per transition, backdated to it.
    for m in memberships:
        expected = [("joined", m.joined_at)] + ([("left", m.ended_at)] if m.ended_at else [])
        assert [(e.kind, e.at) for e in m.events.all()] == expected
    assert mailoutbox == []


def test_seed_demo_twice_changes_no_counts(settings, mailoutbox):
    settings.DEBUG = True
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert first["programs"] == 2 and first["circles"] == 2 and first["charters"] == 2
    assert first["memberships"] == 40
    assert mailoutbox == []
