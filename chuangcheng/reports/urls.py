from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.briefing_list, name="list"),
    path("build/", views.briefing_build_view, name="build"),
    path("<int:pk>/", views.briefing_detail, name="detail"),
    path("<int:pk>/photos/<int:photo_pk>/", views.briefing_photo, name="photo"),
    path("<int:pk>/edit/", views.briefing_edit, name="edit"),
    path("<int:pk>/download.<str:fmt>", views.briefing_download, name="download"),
]
