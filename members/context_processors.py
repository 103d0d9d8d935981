def navigation(request) -> dict:
    user = getattr(request, "user", None)
    # Program admins join staff here once programs exist.
    return {"nav_show_reports": bool(user and user.is_authenticated and user.is_staff)}
