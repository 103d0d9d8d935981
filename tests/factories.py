import factory
from allauth.account.models import EmailAddress

from members.models import Institution, User

PASSWORD = "correct-horse-battery-staple"


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"University {n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a verified primary email address who can log in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    institution = factory.SubFactory(InstitutionFactory)
    profession = User.Profession.PHYSICIAN
    specialty = "Critical care"
    career_stage = User.CareerStage.EARLY
    timezone = "America/Detroit"

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=True)
