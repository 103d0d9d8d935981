from django.urls import path

from . import views

app_name = "circles"

urlpatterns = [
    path("circles/", views.circle_list, name="list"),
    path("circles/new/", views.circle_new, name="new"),
    path("circles/<slug:slug>/", views.circle_detail, name="detail"),
    path("circles/<slug:slug>/edit/", views.circle_edit, name="edit"),
    path("circles/<slug:slug>/status/", views.circle_status, name="status"),
    path("circles/<slug:slug>/charter/", views.charter_edit, name="charter"),
    path("circles/<slug:slug>/charter/accept/", views.charter_accept, name="charter_accept"),
    path("circles/<slug:slug>/join/", views.join, name="join"),
    path("circles/<slug:slug>/leave/", views.leave, name="leave"),
    path("circles/<slug:slug>/on-leave/", views.own_leave_of_absence, name="own_leave"),
    path("circles/<slug:slug>/members/", views.members, name="members"),
    path("circles/<slug:slug>/members/<int:pk>/", views.member_action, name="member_action"),
    path("circles/<slug:slug>/invite/", views.invite, name="invite"),
    path(
        "circles/<slug:slug>/invitations/<int:pk>/resend/",
        views.invitation_manage,
        {"action": "resend"},
        name="invitation_resend",
    ),
    path(
        "circles/<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_manage,
        {"action": "revoke"},
        name="invitation_revoke",
    ),
    path(
        "circles/<slug:slug>/accept-invitation/",
        views.invitation_accept_in_app,
        name="invitation_accept",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
