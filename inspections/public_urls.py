"""/report/: 随手拍 for the public — report a problem, see the code, follow it. No login."""

from django.urls import path

from . import public_views

app_name = "report"

urlpatterns = [
    path("", public_views.report_new, name="new"),
    path("done/<str:code>/", public_views.report_done, name="done"),
    path("track/", public_views.track, name="track"),
    path("track/<str:code>/photos/<int:photo_id>/", public_views.photo, name="photo"),
]
