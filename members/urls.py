from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("profile/notifications/", views.notification_settings, name="notifications"),
    path("people/<uuid:public_id>/", views.card, name="card"),
]
