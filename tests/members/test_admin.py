import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from members.models import User
from tests.factories import PASSWORD, InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return UserFactory(email="ops@example.org", is_staff=True, is_superuser=True)


def test_operator_searches_users_by_name_email_and_institution(client, operator, bob, carol):
    client.force_login(operator)
    url = reverse("admin:members_user_changelist")
    assert list(client.get(url, {"q": "Baker"}).context["cl"].result_list) == [bob]
    assert list(client.get(url, {"q": "carol@"}).context["cl"].result_list) == [carol]
    found = client.get(url, {"q": bob.institution.name}).context["cl"].result_list
    assert list(found) == [bob]


def test_operator_filters_users_by_profession_and_stage(client, operator, bob, carol):
    carol.profession = User.Profession.NURSE
    carol.save()
    client.force_login(operator)
    url = reverse("admin:members_user_changelist")
    response = client.get(url, {"profession__exact": "nurse"})
    assert list(response.context["cl"].result_list) == [carol]
    response = client.get(url, {"career_stage__exact": "senior"})
    assert list(response.context["cl"].result_list) == []


def test_operator_adds_a_user_with_email_and_name(client, operator):
    client.force_login(operator)
    response = client.post(
        reverse("admin:members_user_add"),
        {
            "email": "new@example.org",
            "full_name": "New Person",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(email="new@example.org").full_name == "New Person"


def test_operator_opens_a_user_and_the_institution_list(client, operator, bob):
    InstitutionFactory(name="Mayo Clinic")
    client.force_login(operator)
    page = client.get(reverse("admin:members_user_change", args=[bob.pk]))
    assert page.status_code == 200
    # Self-identified answers are for aggregate reports only, even for superusers.
    assert b"Self-identified" not in page.content
    assert b'name="gender"' not in page.content
    institutions = client.get(reverse("admin:members_institution_changelist"), {"q": "mayo"})
    assert [i.name for i in institutions.context["cl"].result_list] == ["Mayo Clinic"]


def test_member_cannot_open_the_admin(client, bob):
    client.force_login(bob)
    response = client.get(reverse("admin:members_user_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_login_goes_through_allauth(client, operator):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    # Posting credentials straight to Django's admin login (no rate limit) does nothing.
    client.post(reverse("admin:login"), {"username": operator.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_staff_who_are_not_superusers_do_not_see_self_identified_answers(client, bob):
    staff = UserFactory(email="support@example.org", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client.force_login(staff)
    page = client.get(reverse("admin:members_user_change", args=[bob.pk]))
    assert page.status_code == 200
    assert b"Self-identified" not in page.content
    assert b'name="gender"' not in page.content


def test_user_export_leaves_out_self_identified_answers_and_the_password(client, operator, bob):
    bob.gender = User.Gender.SELF_DESCRIBED
    bob.gender_self_description = "Two-spirit"
    bob.underrepresented_in_medicine = User.URiM.YES
    bob.save()
    client.force_login(operator)
    response = client.post(
        reverse("admin:members_user_changelist"),
        {"action": "export_selected_as_csv", "_selected_action": [bob.pk], "index": "0"},
    )
    text = b"".join(response.streaming_content).decode()
    header, row = text.lstrip("\ufeff").splitlines()
    assert header == (
        "ID,Email address,Full name,Institution,Profession,Career stage,Active,Staff status,"
        "Date joined,Last login"
    )
    assert row.startswith(f"{bob.pk},bob@example.org,Bob Baker,{bob.institution.name},Physician,")
    assert "Two-spirit" not in text
    assert bob.password not in text
