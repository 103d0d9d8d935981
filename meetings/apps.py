from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings"
    verbose_name = "Meetings"

    def ready(self) -> None:
        # Imported here because models are not loaded when apps.py is (no cycle involved):
        # actions and reminders register the meeting emails with the outbox.
        from circles.models import register_membership_changed, register_next_meeting_start
        from members.models import register_user_deletion

        from . import actions, reminders  # noqa: F401
        from .facts import before_users_deleted, refresh_memberships
        from .models import next_meeting_start

        register_next_meeting_start(next_meeting_start)
        # Membership changes are circles' writes: the participation facts follow them.
        register_membership_changed(refresh_memberships)
        register_user_deletion("participation_facts", before_users_deleted)
