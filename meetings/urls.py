from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.meeting_list, name="list"),
    path("meetings/<int:pk>/", views.detail, name="detail"),
    path("meetings/<int:pk>/edit/", views.edit, name="edit"),
    path("meetings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("meetings/<int:pk>/rsvp/", views.rsvp, name="rsvp"),
    path("meetings/<int:pk>/meeting.ics", views.ics, name="ics"),
    path("meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("meetings/<int:pk>/attendance/me/", views.own_attendance, name="own_attendance"),
    path("meetings/<int:pk>/log/", views.log, name="log"),
    path("meetings/<int:pk>/minutes/", views.send_minutes, name="minutes"),
    path("meetings/<int:pk>/agenda/", views.add_agenda_item, name="agenda_add"),
    path(
        "meetings/<int:pk>/agenda/<int:item>/remove/",
        views.remove_agenda_item,
        name="agenda_remove",
    ),
    path("meetings/<int:pk>/swap/", views.swap, name="swap"),
    path("meetings/<int:pk>/survey/", views.my_survey, name="my_survey"),
    path("meetings/series/<int:pk>/rsvp/", views.rsvp_series, name="rsvp_series"),
    path("circles/<slug:slug>/meetings/", views.circle_meetings, name="circle_meetings"),
    path("circles/<slug:slug>/meetings/new/", views.schedule, name="schedule"),
    path("circles/<slug:slug>/meetings/log/", views.log_unscheduled, name="log_unscheduled"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
    path("rsvp/<str:token>/", views.rsvp_link, name="rsvp_link"),
    path("surveys/<str:token>/", views.survey, name="survey"),
    path("profile/calendar/reset/", views.reset_feed, name="reset_feed"),
]
