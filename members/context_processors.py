import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.functional import SimpleLazyObject

# Whether the Reports link shows is decided when a person signs in and kept in their
# session this long, so pages skip the query (one less on every signed-in page;
# docs/performance.md). The reports pages check the permission themselves on every
# request: a stale answer only shows or hides a link for a few minutes after someone
# becomes or stops being a program admin.
NAV_REPORTS_SESSION_KEY = "nav_reports"
NAV_REPORTS_SECONDS = 300


def remember_reports_link(session, user) -> bool:
    shown = user.is_staff or user.administered_programs.exists()
    session[NAV_REPORTS_SESSION_KEY] = [user.pk, shown, time.time() + NAV_REPORTS_SECONDS]
    return shown


@receiver(user_logged_in, dispatch_uid="members.remember_reports_link")
def _on_login(sender, request, user, **kwargs) -> None:
    # Signing in writes the session anyway: the answer goes in with it.
    if request is not None and hasattr(request, "session"):
        remember_reports_link(request.session, user)


def navigation(request) -> dict:
    user = getattr(request, "user", None)

    def show_reports() -> bool:
        if not (user and user.is_authenticated):
            return False
        if user.is_staff:
            return True
        session = getattr(request, "session", None)
        if session is None:
            return user.administered_programs.exists()
        kept = session.get(NAV_REPORTS_SESSION_KEY)
        if kept and kept[0] == user.pk and time.time() < kept[2]:
            return kept[1]
        return remember_reports_link(session, user)

    # Lazy: the check runs only on pages that render the navigation.
    return {"nav_show_reports": SimpleLazyObject(show_reports)}
