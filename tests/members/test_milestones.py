import re
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circles.models import Membership
from members.models import Milestone

pytestmark = pytest.mark.django_db

CAREER = reverse("members:career")
ADD = reverse("members:milestone_add")
CONFIRM = reverse("members:career_confirm")


def edit_url(milestone: Milestone) -> str:
    return reverse("members:milestone_edit", args=[milestone.pk])


def delete_url(milestone: Milestone) -> str:
    return reverse("members:milestone_delete", args=[milestone.pk])


def k23(member, **fields) -> Milestone:
    values = {
        "kind": Milestone.Kind.CAREER_DEVELOPMENT_AWARD,
        "date": date(2024, 7, 1),
        "title": "Delirium screening by ICU nurses",
        "funder": "NIH K23",
    }
    values.update(fields)
    return Milestone.objects.create(member=member, **values)


def position(member, day: date, in_academia: bool, title: str = "New position") -> Milestone:
    return Milestone.objects.create(
        member=member,
        kind=Milestone.Kind.POSITION_CHANGE,
        date=day,
        title=title,
        in_academia=in_academia,
    )


def milestone_data(**overrides) -> dict:
    data = {
        "kind": "cda",
        "date": "2025-07-01",
        "title": "Sedation practices in pediatric ICUs",
        "funder": "NIH K23",
        "link": "https://reporter.nih.gov/project-details/12345",
        "in_academia": "",
    }
    data.update(overrides)
    return data


# --- the career record page ---------------------------------------------------------------


def test_member_sees_an_empty_career_record_with_the_add_form(client, bob):
    client.force_login(bob)
    response = client.get(CAREER)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your career record" in html
    assert "No milestones yet" in html
    assert f'action="{ADD}"' in html
    assert "I still hold an academic position" in html
    assert "You have not confirmed this yet." in html


def test_member_sees_own_milestones_newest_first_and_not_others(client, bob, carol):
    older = k23(bob, title="Older award", date=date(2020, 1, 1))
    newer = k23(bob, kind="publication", title="Newer paper", funder="", date=date(2025, 1, 1))
    k23(carol, title="Carol's secret award")
    client.force_login(bob)
    html = client.get(CAREER).content.decode()
    assert html.index("Newer paper") < html.index("Older award")
    assert "Carol&#x27;s secret award" not in html and "Carol's secret award" not in html
    for m in (older, newer):
        assert edit_url(m) in html and delete_url(m) in html
    assert "NIH K23" in html


def test_the_left_academia_button_leads_to_a_preselected_position_form(client, bob):
    client.force_login(bob)
    html = client.get(CAREER).content.decode()
    assert f"{ADD}?kind=position&amp;in_academia=no" in html
    form = client.get(ADD, {"kind": "position", "in_academia": "no"}).content.decode()
    assert '<option value="position" selected>' in form
    assert 'value="False"  id="id_in_academia_1" checked' in " ".join(form.split("\n"))


def test_add_page_ignores_an_unknown_kind(client, bob):
    client.force_login(bob)
    response = client.get(ADD, {"kind": "<script>", "in_academia": "maybe"})
    assert response.status_code == 200
    assert '<option value="" selected>' in response.content.decode()


def test_career_page_reads_not_in_academia_since_the_latest_position_change(client, bob):
    position(bob, date(2019, 7, 1), True, "Assistant professor, University of Pittsburgh")
    position(bob, date(2023, 3, 15), False, "Research scientist, Medtronic")
    client.force_login(bob)
    html = client.get(CAREER).content.decode()
    assert "Not in academia since 15 March 2023" in html
    assert "I am back in an academic position" in html
    assert f"{ADD}?kind=position&amp;in_academia=yes" in html


def test_career_page_query_count_does_not_grow_with_milestones(client, bob):
    client.force_login(bob)

    def queries_with(total: int) -> int:
        Milestone.objects.filter(member=bob).delete()
        Milestone.objects.bulk_create(
            Milestone(member=bob, kind="publication", date=date(2020, 1, 1), title=f"Paper {i}")
            for i in range(total)
        )
        with CaptureQueriesContext(transaction.get_connection()) as ctx:
            assert client.get(CAREER).status_code == 200
        return len(ctx)

    assert queries_with(5) == queries_with(50)


def test_profile_lists_the_latest_milestones_and_links_the_career_record(client, bob):
    for year in range(2018, 2023):
        k23(bob, kind="publication", funder="", title=f"Paper of {year}", date=date(year, 5, 1))
    client.force_login(bob)
    html = client.get(reverse("members:profile")).content.decode()
    assert f'href="{CAREER}"' in html
    assert "Paper of 2022" in html and "Paper of 2020" in html
    assert "Paper of 2019" not in html  # only the latest three
    assert "See all your milestones" in html


# --- add, edit, delete ----------------------------------------------------------------------


def test_member_adds_a_career_development_award(client, bob):
    client.force_login(bob)
    response = client.post(ADD, milestone_data(title="  Sedation   practices  "))
    assert response.status_code == 302
    assert response["Location"] == CAREER
    milestone = Milestone.objects.get()
    assert milestone.member == bob
    assert (milestone.kind, milestone.date, milestone.title, milestone.funder) == (
        "cda",
        date(2025, 7, 1),
        "Sedation practices",
        "NIH K23",
    )
    assert milestone.in_academia is None
    html = client.get(CAREER).content.decode()
    assert "Added to your career record: Sedation practices" in html


def test_a_link_without_a_scheme_gets_https(client, bob):
    client.force_login(bob)
    client.post(ADD, milestone_data(link="doi.org/10.1000/xyz"))
    assert Milestone.objects.get().link == "https://doi.org/10.1000/xyz"


def test_adding_a_position_change_records_it_and_confirms_the_position(client, bob):
    client.force_login(bob)
    response = client.post(
        ADD,
        milestone_data(
            kind="position", title="Scientist, Medtronic", funder="", in_academia="False"
        ),
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get()
    assert milestone.in_academia is False
    bob.refresh_from_db()
    assert not bob.is_in_academia
    assert bob.position_confirmed_at is not None


def test_member_edits_own_milestone(client, bob):
    milestone = k23(bob)
    client.force_login(bob)
    form = client.get(edit_url(milestone))
    assert form.status_code == 200
    assert 'value="2024-07-01"' in form.content.decode()
    response = client.post(edit_url(milestone), milestone_data(title="Revised title", link=""))
    assert response.status_code == 302
    assert response["Location"] == CAREER
    milestone.refresh_from_db()
    assert (milestone.title, milestone.date, milestone.link) == (
        "Revised title",
        date(2025, 7, 1),
        "",
    )
    assert "Saved: Revised title" in client.get(CAREER).content.decode()


def test_member_deletes_own_milestone_after_confirming(client, bob):
    milestone = k23(bob)
    client.force_login(bob)
    page = client.get(delete_url(milestone))
    assert page.status_code == 200
    assert "Delete this milestone?" in page.content.decode()
    assert Milestone.objects.filter(pk=milestone.pk).exists()  # a GET only asks
    response = client.post(delete_url(milestone))
    assert response.status_code == 302
    assert response["Location"] == CAREER
    assert not Milestone.objects.filter(pk=milestone.pk).exists()
    assert "Deleted from your career record" in client.get(CAREER).content.decode()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_delete_accepts_only_get_and_post(client, bob, method):
    milestone = k23(bob)
    client.force_login(bob)
    assert getattr(client, method)(delete_url(milestone)).status_code == 405
    assert Milestone.objects.filter(pk=milestone.pk).exists()


def test_alumnus_who_left_every_circle_still_adds_milestones(client, bob, circle):
    membership = circle.memberships.get(user=bob)
    membership.status = Membership.Status.LEFT
    membership.ended_at = timezone.now() - timedelta(days=400)
    membership.save()
    client.force_login(bob)
    assert client.get(CAREER).status_code == 200
    assert client.post(ADD, milestone_data()).status_code == 302
    assert bob.milestones.count() == 1


# --- permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_log_in(client, bob, method):
    milestone = k23(bob)
    for url in (CAREER, ADD, CONFIRM, edit_url(milestone), delete_url(milestone)):
        response = getattr(client, method)(url)
        if method == "post" and url == CAREER:
            assert response.status_code in (302, 405)
            continue
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    assert Milestone.objects.filter(pk=milestone.pk).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_someone_elses_milestone_is_not_found(client, bob, carol, method):
    milestone = k23(bob)
    client.force_login(carol)
    for url in (edit_url(milestone), delete_url(milestone)):
        response = getattr(client, method)(url, milestone_data(title="Hijacked"))
        assert response.status_code == 404, url
    milestone.refresh_from_db()
    assert milestone.title == "Delirium screening by ICU nurses"


def test_an_organizer_cannot_edit_a_members_milestone_either(client, alice, bob, circle):
    milestone = k23(bob)
    client.force_login(alice)
    assert client.get(edit_url(milestone)).status_code == 404
    assert client.post(delete_url(milestone)).status_code == 404
    assert Milestone.objects.filter(pk=milestone.pk).exists()


# --- bad input ------------------------------------------------------------------------------

BAD_INPUT = [
    ("title", {"title": "x" * 301}, "Shorten the title to 300 characters or fewer"),
    ("title", {"title": "   "}, "Enter a title"),
    ("title", {"title": ""}, "Enter a title"),
    ("funder", {"funder": "N" * 201}, "Shorten this to 200 characters or fewer"),
    ("link", {"link": "not a link at all"}, "Enter a web address that starts with https://"),
    ("link", {"link": "javascript:alert(1)"}, "Enter a web address that starts with https://"),
    ("link", {"link": "ftp://example.org/paper.pdf"}, "Enter a web address"),
    ("link", {"link": "https://example.org/" + "a" * 500}, "Shorten the link to 500"),
    ("date", {"date": "2999-01-01"}, "a year from now"),
    ("date", {"date": "1949-12-31"}, "Choose a date in 1950 or later."),
    ("date", {"date": "2025-02-30"}, "Enter a real date"),
    ("date", {"date": ""}, "Enter the date"),
    ("kind", {"kind": "nobel"}, "Select a valid choice"),
    ("kind", {"kind": ""}, "Choose what kind of milestone"),
    (
        "in_academia",
        {"kind": "position", "in_academia": ""},
        "Say whether the new position is in academia",
    ),
    (
        "in_academia",
        {"kind": "publication", "in_academia": "True"},
        "This applies only to a new position",
    ),
    (
        "in_academia",
        {"kind": "publication", "in_academia": "False"},
        "This applies only to a new position",
    ),
]


@pytest.mark.parametrize(("field", "overrides", "message"), BAD_INPUT)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(
    client, bob, field, overrides, message
):
    client.force_login(bob)
    response = client.post(ADD, milestone_data(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    # crispy renders the field's error inside its block: <p id="error_1_id_<field>">
    field_block = html[html.index(f'id="div_id_{field}"') :]
    error = field_block[field_block.index(f'id="error_1_id_{field}"') :][:300]
    assert message in error
    assert not Milestone.objects.exists()


@pytest.mark.parametrize(("field", "overrides", "message"), BAD_INPUT[:4])
def test_bad_input_on_edit_changes_nothing(client, bob, field, overrides, message):
    milestone = k23(bob)
    client.force_login(bob)
    response = client.post(edit_url(milestone), milestone_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.title == "Delirium screening by ICU nurses"
    assert milestone.funder == "NIH K23"


def test_a_year_ahead_is_allowed_for_an_announced_award(client, bob):
    client.force_login(bob)
    ahead = timezone.localdate() + timedelta(days=360)
    assert client.post(ADD, milestone_data(date=ahead.isoformat())).status_code == 302


def test_html_in_a_title_is_shown_as_text(client, bob):
    client.force_login(bob)
    payload = '<script>alert("x")</script><b>bold</b>'
    assert client.post(ADD, milestone_data(title=payload)).status_code == 302
    for page in (CAREER, reverse("members:profile")):
        html = client.get(page).content.decode()
        assert "<script>alert" not in html and "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    # and when the form comes back with an error
    refused = client.post(ADD, milestone_data(title=payload, date="")).content.decode()
    assert "<script>alert" not in refused
    assert "&lt;script&gt;" in refused


# --- the position check-in ------------------------------------------------------------------


def test_confirm_button_records_when_the_position_was_confirmed(client, bob):
    client.force_login(bob)
    before = timezone.now()
    response = client.post(CONFIRM)
    assert response.status_code == 302
    assert response["Location"] == CAREER
    bob.refresh_from_db()
    assert bob.position_confirmed_at >= before
    html = client.get(CAREER).content.decode()
    assert "your position is confirmed" in html
    assert "You last confirmed this on" in html


def test_confirm_is_post_only(client, bob):
    client.force_login(bob)
    assert client.get(CONFIRM).status_code == 405
    bob.refresh_from_db()
    assert bob.position_confirmed_at is None


# --- the model ------------------------------------------------------------------------------


def test_is_in_academia_follows_the_latest_position_change(bob):
    assert bob.is_in_academia  # people join while in academic positions
    k23(bob)
    assert bob.is_in_academia
    position(bob, date(2020, 1, 1), False, "Industry")
    assert not bob.is_in_academia
    position(bob, date(2022, 1, 1), True, "Back in academia")
    assert bob.is_in_academia
    position(bob, date(2022, 1, 1), False, "Left again the same day")  # later entry wins
    assert not bob.is_in_academia
    position(bob, date(2021, 1, 1), True, "An earlier move entered late")
    assert not bob.is_in_academia  # the date decides, not the order of entry
    assert bob.latest_position_change().title == "Left again the same day"


def test_is_in_academia_ignores_other_peoples_milestones(bob, carol):
    position(carol, date(2020, 1, 1), False)
    assert bob.is_in_academia
    assert not carol.is_in_academia


@pytest.mark.parametrize(
    ("kind", "in_academia"),
    [("position", None), ("publication", True), ("cda", False)],
)
def test_database_refuses_in_academia_outside_position_changes(bob, kind, in_academia):
    rule = "members_milestone_in_academia_only_for_positions"
    with pytest.raises(IntegrityError, match=rule), transaction.atomic():
        Milestone.objects.create(
            member=bob, kind=kind, date=date(2020, 1, 1), title="x", in_academia=in_academia
        )


def test_position_changes_queryset(bob):
    position(bob, date(2020, 1, 1), True)
    k23(bob)
    assert list(bob.milestones.position_changes().values_list("kind", flat=True)) == ["position"]


def test_career_record_shows_the_role_from_a_later_promotion(client, bob):
    position(bob, date(2019, 7, 1), True, "Assistant professor, University of Pittsburgh")
    promotion = {"kind": Milestone.Kind.PROMOTION, "funder": ""}
    k23(bob, date=date(2024, 7, 1), title="Associate professor", **promotion)
    client.force_login(bob)
    html = client.get(CAREER).content.decode()
    assert "In an academic position: Associate professor, since 1 July 2024." in html
    assert bob.current_position().title == "Associate professor"
    assert bob.is_in_academia


def test_career_record_ignores_a_promotion_dated_in_the_future(client, bob):
    position(bob, date(2019, 7, 1), True, "Assistant professor")
    later = timezone.localdate() + timedelta(days=30)
    k23(bob, kind=Milestone.Kind.PROMOTION, date=later, title="Associate professor", funder="")
    client.force_login(bob)
    html = client.get(CAREER).content.decode()
    assert "In an academic position: Assistant professor, since 1 July 2019." in html
    assert bob.current_position().title == "Assistant professor"


def test_new_position_rows_read_naturally(client, bob):
    position(bob, date(2019, 7, 1), True, "Assistant professor")
    position(bob, date(2023, 3, 15), False, "Research scientist, Medtronic")
    client.force_login(bob)
    html = client.get(CAREER).content.decode()
    assert "Academic position change" not in html
    assert re.search(r"New position <span[^>]*>in academia</span>", html)
    assert re.search(r"New position <span[^>]*>outside academia</span>", html)
    assert "Your position: Research scientist, Medtronic, since 15 March 2023." in html
    assert Milestone.objects.filter(kind="position").count() == 2  # stored values unchanged
