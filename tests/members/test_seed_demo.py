import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

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
