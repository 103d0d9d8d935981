from django.utils.functional import SimpleLazyObject


def navigation(request) -> dict:
    user = getattr(request, "user", None)

    def show_reports() -> bool:
        if not (user and user.is_authenticated):
            return False
        return user.is_staff or user.administered_programs.exists()

    # Lazy: the query runs only on pages that render the navigation.
    return {"nav_show_reports": SimpleLazyObject(show_reports)}
