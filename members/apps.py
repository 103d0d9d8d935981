from django.apps import AppConfig


class MembersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "members"
    verbose_name = "Members"

    def ready(self) -> None:
        # Imported here because models are not loaded when apps.py is (no cycle involved):
        # they register the account emails and the career check-in with the outbox, and
        # the sign-in hook of the navigation.
        from . import adapters, checkins, context_processors  # noqa: F401
