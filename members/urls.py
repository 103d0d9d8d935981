from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("profile/notifications/", views.notification_settings, name="notifications"),
    path("profile/career/", views.career, name="career"),
    path("profile/career/confirm/", views.career_confirm, name="career_confirm"),
    path("profile/career/add/", views.milestone_add, name="milestone_add"),
    path("profile/career/<int:pk>/edit/", views.milestone_edit, name="milestone_edit"),
    path("profile/career/<int:pk>/delete/", views.milestone_delete, name="milestone_delete"),
    path("people/<uuid:public_id>/", views.card, name="card"),
]
