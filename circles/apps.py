from django.apps import AppConfig


class CirclesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "circles"
    verbose_name = "Circles"

    def ready(self) -> None:
        # Imported here because models are not loaded when apps.py is (no cycle involved):
        # actions registers the membership emails with the outbox; people states the
        # membership rules members asks for.
        from . import actions, people  # noqa: F401

        people.register()
