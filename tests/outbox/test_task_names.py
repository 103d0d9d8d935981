"""Tasks queued by the release before the outbox and reports moved apps still run."""

from celery import current_app
from celery.app.routes import prepare
from django.conf import settings

OLD_NAMES = {
    "meetings.tasks.send_notifications": "email",
    "meetings.tasks.dispatch_due_notifications": "email",
    "circles.tasks.build_export": "reports",
    "circles.tasks.delete_old_exports": "reports",
}


def queue_of(name: str) -> str:
    """The queue CELERY_TASK_ROUTES sends `name` to, as a worker's router reads them."""
    for route in prepare(settings.CELERY_TASK_ROUTES):
        found = route(name)
        if found:
            return found["queue"]
    return "celery"


def test_tasks_queued_under_their_old_names_are_registered_and_routed():
    current_app.loader.import_default_modules()
    for name, queue in OLD_NAMES.items():
        assert name in current_app.tasks, name
        assert queue_of(name) == queue, name
    assert "outbox.tasks.send_notifications" in current_app.tasks
    assert settings.CELERY_BEAT_SCHEDULE["delete-old-exports"]["task"].startswith("reports.")
