from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and scale data (`seed_demo`, `seed_scale`). It sits above every app, so it may
    import them all; nothing imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "Demo data"
