import pytest
from django.urls import reverse

from members.models import Institution, User
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

EDIT = reverse("members:profile_edit")


def profile_data(**overrides):
    data = {
        "full_name": "Bob Baker",
        "preferred_name": "Bobby",
        "pronouns": "he/him",
        "institution_name": "University of Michigan",
        "department": "Internal Medicine",
        "profession": "nurse",
        "specialty": "Critical care nursing",
        "career_stage": "mid_career",
        "timezone": "America/Chicago",
        "gender": "man",
        "gender_self_description": "",
        "underrepresented_in_medicine": "no",
    }
    data.update(overrides)
    return data


def test_member_sees_own_profile_with_private_fields_marked_private(client, bob):
    bob.gender = User.Gender.MAN
    bob.save()
    client.force_login(bob)
    html = client.get(reverse("members:profile")).content.decode()
    assert "Bob Baker" in html
    assert "Self-identified (private)" in html
    assert "Man" in html


def test_member_edits_profile(client, bob):
    client.force_login(bob)
    response = client.post(EDIT, profile_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("members:profile")
    bob.refresh_from_db()
    assert bob.preferred_name == "Bobby"
    assert bob.profession == "nurse"
    assert bob.timezone == "America/Chicago"
    assert bob.institution.name == "University of Michigan"
    assert "Your profile has been saved." in client.get(reverse("members:profile")).content.decode()


def test_edit_form_offers_existing_institutions_and_the_browser_timezone(client, bob):
    InstitutionFactory(name="Karolinska Institutet")
    client.force_login(bob)
    html = client.get(EDIT).content.decode()
    assert '<option value="Karolinska Institutet">' in html
    assert 'data-browser-timezone="suggest"' in html
    assert html.count("only in aggregate by program admins") >= 2


def test_typing_an_existing_institution_in_other_case_reuses_it(client, bob):
    michigan = InstitutionFactory(name="University of Michigan")
    client.force_login(bob)
    client.post(EDIT, profile_data(institution_name="  university OF   michigan "))
    bob.refresh_from_db()
    assert bob.institution == michigan
    assert Institution.objects.filter(name__iexact="university of michigan").count() == 1


def test_a_new_institution_is_added(client, bob):
    client.force_login(bob)
    client.post(EDIT, profile_data(institution_name="Mayo Clinic"))
    bob.refresh_from_db()
    assert bob.institution.name == "Mayo Clinic"


def test_clearing_the_institution_unsets_it(client, bob):
    client.force_login(bob)
    client.post(EDIT, profile_data(institution_name=""))
    bob.refresh_from_db()
    assert bob.institution is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus_Mons", "Select a valid choice"),
        ("timezone", "", "This field is required"),
        ("full_name", "x" * 151, "at most 150 characters"),
        ("full_name", "   ", "This field is required"),
        ("preferred_name", "x" * 81, "at most 80 characters"),
        ("pronouns", "x" * 41, "at most 40 characters"),
        ("institution_name", "x" * 201, "at most 200 characters"),
        ("department", "x" * 151, "at most 150 characters"),
        ("specialty", "x" * 121, "at most 120 characters"),
        ("profession", "surgeon-general", "Select a valid choice"),
        ("career_stage", "42", "Select a valid choice"),
        ("gender_self_description", "agender", "Leave this empty"),
    ],
)
def test_bad_profile_input_is_shown_next_to_the_field_and_nothing_saved(
    client, bob, field, value, message
):
    client.force_login(bob)
    before = User.objects.values().get(pk=bob.pk)
    response = client.post(EDIT, profile_data(**{field: value}))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    html = response.content.decode()
    assert "is-invalid" in html and f'id="error_1_id_{field}"' in html
    assert User.objects.values().get(pk=bob.pk) == before
    assert not Institution.objects.filter(name__startswith="xxx").exists()


def test_self_description_is_kept_with_its_choice(client, bob):
    client.force_login(bob)
    client.post(EDIT, profile_data(gender="self_described", gender_self_description="Genderqueer"))
    bob.refresh_from_db()
    assert bob.gender_self_description == "Genderqueer"


def test_html_in_profile_fields_is_escaped(client, bob):
    client.force_login(bob)
    client.post(EDIT, profile_data(specialty='<img src=x onerror="alert(1)">'))
    html = client.get(reverse("members:profile")).content.decode()
    assert '<img src=x onerror="alert(1)">' not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_middleware_activates_the_members_timezone(rf, bob):
    from django.contrib.auth.models import AnonymousUser
    from django.utils import timezone

    from members.middleware import TimezoneMiddleware

    seen = []
    middleware = TimezoneMiddleware(
        lambda request: seen.append(timezone.get_current_timezone_name())
    )
    bob.timezone = "Asia/Tokyo"
    request = rf.get("/")
    request.user = bob
    middleware(request)
    request.user = AnonymousUser()
    middleware(request)
    assert seen == ["Asia/Tokyo", "UTC"]


@pytest.mark.parametrize("url_name", ["members:profile", "members:profile_edit", "home"])
def test_profile_pages_query_count_does_not_grow_with_institutions(client, bob, url_name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(bob)
    counts = []
    for total in (5, 50):
        while Institution.objects.count() < total:
            InstitutionFactory()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(url_name)).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1] <= (12 if url_name == "home" else 6)


def test_timezone_select_marks_the_members_zone_and_lists_every_zone(client, bob):
    client.force_login(bob)
    html = client.get(EDIT).content.decode()
    select = html[
        html.index('<select name="timezone"') : html.index(
            "</select>", html.index('<select name="timezone"')
        )
    ]
    america = select[select.index('<optgroup label="America">') :]
    detroit = america[america.index('<option value="America/Detroit"') :]
    assert detroit.startswith('<option value="America/Detroit" selected')
    assert detroit[: detroit.index("</option>")].endswith(">Detroit")
    assert select.count(" selected") == 1
    assert select.count("<option ") > 400
    assert 'class="select form-select"' in select or "form-select" in select
    assert 'id="id_timezone"' in select


def test_invalid_timezone_rerenders_with_aria_invalid_and_no_zone_selected(client, bob):
    client.force_login(bob)
    html = client.post(EDIT, profile_data(timezone='"><script>x</script>')).content.decode()
    start = html.index('<select name="timezone"')
    select = html[start : html.index("</select>", start)]
    assert 'aria-invalid="true"' in select
    assert " selected" not in select
    assert "<script>x</script>" not in html


def test_institution_lookup_matches_the_unique_constraint(db):
    # U+212A KELVIN SIGN lower-cases to "k" but upper-cases to itself: iexact (UPPER) and
    # the lower() constraint disagree about it, so the lookup must use lower() too.
    from django.db import connection

    kings = InstitutionFactory(name="kings college")
    found = Institution.objects.get_or_create_named("\u212aings College")  # no IntegrityError
    if connection.vendor == "postgresql":
        assert found == kings
        assert Institution.objects.count() == 1
    else:  # SQLite's lower() folds ASCII only, so there the names are simply different
        assert Institution.objects.named("\u212aings College").get() == found


def test_two_people_adding_the_same_new_institution_get_one_row(db, monkeypatch):
    # Simulate the race: the other request inserts between our lookup and our insert.
    from members.models import NamedQuerySet as InstitutionQuerySet

    real_named = InstitutionQuerySet.named
    calls = []

    def named_after_the_other_request(self, name):
        calls.append(name)
        if len(calls) == 1:
            Institution.objects.create(name="Mayo Clinic")
            return real_named(self, "no such institution")
        return real_named(self, name)

    monkeypatch.setattr(InstitutionQuerySet, "named", named_after_the_other_request)
    institution = Institution.objects.get_or_create_named("MAYO CLINIC")
    assert institution.name == "Mayo Clinic"
    assert Institution.objects.count() == 1
