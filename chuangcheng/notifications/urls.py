from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/", views.notice_open, name="open"),
    path("read-all/", views.notice_read_all, name="read_all"),
    path("settings/", views.preference_edit, name="preferences"),
    path("schedule/", views.beat_schedule, name="schedule"),
]
