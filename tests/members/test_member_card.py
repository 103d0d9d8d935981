import uuid

import pytest
from django.urls import reverse

from members.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_with_demographics(bob):
    bob.pronouns = "he/him"
    bob.gender = User.Gender.SELF_DESCRIBED
    bob.gender_self_description = "Two-spirit"
    bob.underrepresented_in_medicine = User.URiM.YES
    bob.save()
    return bob


def test_member_card_shows_name_pronouns_institution_profession_specialty(
    client, bob_with_demographics
):
    bob = bob_with_demographics
    client.force_login(bob)
    html = client.get(bob.get_absolute_url()).content.decode()
    assert "Bob Baker" in html
    assert "he/him" in html
    assert bob.institution.name in html
    assert "Physician" in html
    assert "Critical care" in html


def test_member_card_never_shows_demographic_fields(client, bob_with_demographics):
    bob = bob_with_demographics
    client.force_login(bob)
    for url in (bob.get_absolute_url(), reverse("members:profile")):
        html = client.get(url).content.decode()
        card = html[html.index('<article class="card member-card') : html.index("</article>")]
        assert "Two-spirit" not in card
        assert "Gender" not in card
        assert "Under-represented" not in card
        assert "Yes" not in card


def test_outsider_gets_404_for_someone_elses_card(client, bob, carol):
    client.force_login(carol)
    assert client.get(bob.get_absolute_url()).status_code == 404


def test_unknown_card_is_404_like_a_private_one(client, carol):
    client.force_login(carol)
    response = client.get(reverse("members:card", kwargs={"public_id": uuid.uuid4()}))
    assert response.status_code == 404
    assert b"We couldn" in response.content


def test_card_urls_use_an_unguessable_id_not_the_primary_key(bob):
    assert str(bob.public_id) in bob.get_absolute_url()
    assert f"/{bob.pk}/" not in bob.get_absolute_url()


def test_anonymous_visitor_is_sent_to_log_in_from_a_card(client, bob):
    response = client.get(bob.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
