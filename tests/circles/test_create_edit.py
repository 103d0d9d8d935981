import pytest
from django.urls import reverse

from circles.models import Circle, Membership, Topic

pytestmark = pytest.mark.django_db

NEW = reverse("circles:new")


def circle_data(**overrides):
    data = {
        "kind": "workgroup",
        "name": "Pulmonary Research Workgroup",
        "slug": "",
        "description": "Early-career investigators in pulmonary medicine.",
        "topics": [Topic.objects.get(slug="grant-writing").pk],
        "other_topics": "Mentoring up, ",
        "capacity": "",
        "join_policy": "approval",
        "visibility": "listed",
        "timezone": "America/Detroit",
        "meeting_format": "hybrid",
        "video_link": "https://example.org/meet/pulm",
        "place": "Room 3C",
        "cadence": "Every other Thursday, 16:00",
        "charter-mission": "We give each other feedback on grants and papers.",
        "charter-guiding_principles": "Drafts shared here stay here.\nFeedback is specific.",
    }
    data.update(overrides)
    return data


def test_choosing_a_kind_prefills_and_explains_defaults(client, alice):
    client.force_login(alice)
    choose = client.get(NEW).content.decode()
    assert "?kind=peer_circle" in choose and "?kind=workgroup" in choose
    peer = client.get(NEW, {"kind": "peer_circle"})
    assert peer.context["form"].initial["capacity"] == 12
    assert (
        "What is said in the circle stays in the circle"
        in peer.context["charter_form"].initial["guiding_principles"]
    )
    assert "8 to 12 members" in peer.content.decode()
    workgroup = client.get(NEW, {"kind": "workgroup"})
    assert workgroup.context["form"].initial["capacity"] is None
    assert workgroup.context["charter_form"].initial["mission"] == ""
    assert "mission and the principles" in workgroup.content.decode()
    assert peer.context["form"].initial["timezone"] == alice.timezone


def test_organizer_creates_a_workgroup_and_becomes_its_organizer(client, alice):
    client.force_login(alice)
    response = client.post(NEW, circle_data())
    circle = Circle.objects.get(name="Pulmonary Research Workgroup")
    assert response.status_code == 302
    assert response["Location"] == reverse("circles:invite", kwargs={"slug": circle.slug})
    assert circle.slug == "pulmonary-research-workgroup"
    assert circle.kind == Circle.Kind.WORKGROUP
    assert circle.capacity is None
    assert circle.created_by == alice
    assert circle.current_charter.version == 1
    assert circle.current_charter.principles_list() == [
        "Drafts shared here stay here.",
        "Feedback is specific.",
    ]
    assert set(circle.topics.values_list("name", flat=True)) == {"Grant writing", "Mentoring up"}
    membership = circle.memberships.get()
    assert (membership.user, membership.role, membership.status) == (
        alice,
        Membership.Role.ORGANIZER,
        Membership.Status.ACTIVE,
    )
    assert membership.charter_accepted == circle.current_charter


def test_a_second_circle_with_the_same_name_gets_its_own_address(client, alice):
    client.force_login(alice)
    client.post(NEW, circle_data())
    client.post(NEW, circle_data())
    assert sorted(Circle.objects.values_list("slug", flat=True)) == [
        "pulmonary-research-workgroup",
        "pulmonary-research-workgroup-2",
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required"),
        ("name", "x" * 121, "at most 120 characters"),
        ("slug", "taken", "is taken"),
        ("slug", "new", "is taken"),
        ("slug", "not a slug!", "valid “slug”"),
        ("capacity", "1", "greater than or equal to 2"),
        ("capacity", "twelve", "Enter a whole number"),
        ("timezone", "Mars/Base", "Select a valid choice"),
        ("video_link", "javascript:alert(1)", "Enter a valid URL"),
        ("join_policy", "anyone", "Select a valid choice"),
        ("other_topics", "x" * 70, "too long"),
        ("charter-mission", "   ", "This field is required"),
        ("charter-guiding_principles", "", "This field is required"),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_saved(
    client, alice, field, value, message
):
    from tests.factories import make_circle

    make_circle(alice, name="Taken", slug="taken")
    client.force_login(alice)
    response = client.post(NEW, circle_data(**{field: value}))
    assert response.status_code == 400
    form = response.context["charter_form" if field.startswith("charter-") else "form"]
    errors = " ".join(form.errors[field.removeprefix("charter-")])
    assert message in errors
    assert Circle.objects.count() == 1
    assert Membership.objects.count() == 1


def test_in_person_circle_with_a_video_link_is_refused(client, alice):
    client.force_login(alice)
    response = client.post(NEW, circle_data(meeting_format="in_person"))
    assert "choose hybrid" in " ".join(response.context["form"].errors["video_link"])
    assert not Circle.objects.exists()


def test_script_in_circle_text_is_escaped(client, alice):
    client.force_login(alice)
    client.post(NEW, circle_data(description="<script>alert(1)</script>"))
    html = client.get(Circle.objects.get().get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_only_a_programs_admins_can_file_a_circle_under_it(client, alice, dana, program):
    client.force_login(alice)
    form = client.get(NEW, {"kind": "peer_circle"}).context["form"]
    assert "program" not in form.fields
    client.force_login(dana)
    form = client.get(NEW, {"kind": "peer_circle"}).context["form"]
    assert list(form.fields["program"].queryset) == [program]
    client.post(NEW, circle_data(program=program.pk))
    assert Circle.objects.get().program == program


def test_staff_without_permission_file_circles_only_under_programs_they_administer(client, program):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True))
    page = client.get(NEW, {"kind": "workgroup"})
    assert "program" not in page.context["form"].fields
    client.post(NEW, circle_data(program=program.pk))
    assert Circle.objects.get().program is None


def test_who_may_change_programs_may_file_a_new_circle_under_any_program_or_none(client, program):
    from django.contrib.auth.models import Permission

    from circles.models import Program
    from tests.factories import UserFactory

    other = Program.objects.create(name="Surgery Circles", slug="surgery")
    operator = UserFactory(is_staff=True)
    operator.user_permissions.add(Permission.objects.get(codename="change_program"))
    client.force_login(operator)
    page = client.get(NEW, {"kind": "workgroup"})
    assert list(page.context["form"].fields["program"].queryset) == [other, program]
    html = page.content.decode()
    assert 'name="program"' in html and "No program" in html
    client.post(NEW, circle_data(program=other.pk))
    assert Circle.objects.get().program == other
    client.post(NEW, circle_data(name="Second Workgroup", program=""))
    assert Circle.objects.get(name="Second Workgroup").program is None


def test_program_admin_sees_the_program_field_on_create_and_edit(client, dana, program):
    client.force_login(dana)
    html = client.get(NEW, {"kind": "peer_circle"}).content.decode()
    assert 'name="program"' in html and "Women in Medicine Circles" in html
    client.post(NEW, circle_data(program=""))
    circle = Circle.objects.get()
    assert circle.program is None  # a circle may belong to no program
    edit = reverse("circles:edit", kwargs={"slug": circle.slug})
    assert 'name="program"' in client.get(edit).content.decode()
    client.post(edit, circle_data(slug=circle.slug, program=program.pk))
    circle.refresh_from_db()
    assert circle.program == program


def test_organizer_is_told_why_there_is_no_program_choice(client, alice, circle, program):
    client.force_login(alice)
    html = client.get(NEW, {"kind": "peer_circle"}).content.decode()
    assert 'name="program"' not in html
    assert "Only a program&#x27;s admins can file a circle" in html
    Circle.objects.filter(pk=circle.pk).update(program=program)
    edit = client.get(reverse("circles:edit", kwargs={"slug": circle.slug})).content.decode()
    assert 'name="program"' not in edit
    assert "Part of Women in Medicine Circles" in edit


def test_someone_else_cannot_smuggle_a_program_in(client, alice, program):
    client.force_login(alice)
    client.post(NEW, circle_data(program=program.pk))
    assert Circle.objects.get().program is None


def test_organizer_edits_settings(client, alice, circle):
    client.force_login(alice)
    url = reverse("circles:edit", kwargs={"slug": circle.slug})
    data = circle_data(name="Renamed Circle", slug=circle.slug, capacity="10", kind="")
    response = client.post(url, data)
    assert response.status_code == 302
    circle.refresh_from_db()
    assert (circle.name, circle.capacity, circle.kind) == (
        "Renamed Circle",
        10,
        Circle.Kind.PEER_CIRCLE,
    )


def test_capacity_below_the_current_member_count_is_refused(client, alice, circle):
    client.force_login(alice)
    url = reverse("circles:edit", kwargs={"slug": circle.slug})
    # Two members (alice, bob): 2 is allowed; with one more it is not.
    response = client.post(url, circle_data(slug=circle.slug, capacity="2", name="X"))
    assert response.status_code == 302
    from tests.factories import UserFactory

    Membership.objects.create(circle=circle, user=UserFactory(), status="active")
    response = client.post(url, circle_data(slug=circle.slug, capacity="2", name="Y"))
    assert response.status_code == 400
    assert "has 3 members now" in " ".join(response.context["form"].errors["capacity"])
    circle.refresh_from_db()
    assert circle.name == "X"


def test_organizer_pauses_archives_and_reopens(client, alice, circle, bob):
    client.force_login(alice)
    url = reverse("circles:status", kwargs={"slug": circle.slug})
    client.post(url, {"status": "archive"})
    circle.refresh_from_db()
    assert circle.status == Circle.Status.ARCHIVED
    client.force_login(bob)
    assert client.get(circle.get_absolute_url()).status_code == 200  # still readable
    client.force_login(alice)
    client.post(url, {"status": "activate"})
    circle.refresh_from_db()
    assert circle.status == Circle.Status.ACTIVE
    response = client.post(url, {"status": "explode"}, follow=True)
    assert "Unknown status change" in response.content.decode()


def test_organizer_publishes_a_new_charter_version_and_members_see_a_banner(
    client, alice, bob, circle
):
    client.force_login(alice)
    url = reverse("circles:charter", kwargs={"slug": circle.slug})
    client.post(url, {"mission": "A new mission.", "guiding_principles": "Be kind."})
    circle.refresh_from_db()
    assert circle.current_charter.version == 2
    client.force_login(bob)
    html = client.get(circle.get_absolute_url()).content.decode()
    assert "The charter has changed" in html
    assert "Accept the new version</button>" in html
    assert "A new mission." in html
    assert "Charter changed: please read and accept" in client.get("/").content.decode()
    client.post(
        reverse("circles:charter_accept", kwargs={"slug": circle.slug}), {"accept_charter": "on"}
    )
    assert "The charter has changed" not in client.get(circle.get_absolute_url()).content.decode()


def test_accepting_the_charter_needs_the_box_ticked(client, alice, bob, circle):
    from circles import actions

    actions.revise_charter(circle, mission="M2", guiding_principles="P2", by=alice)
    client.force_login(bob)
    client.post(reverse("circles:charter_accept", kwargs={"slug": circle.slug}), {})
    assert circle.memberships.get(user=bob).needs_charter_acceptance()
