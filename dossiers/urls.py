from django.urls import path

from . import views

app_name = "dossiers"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/", views.export_zip, name="export"),
    path("requirements/new/", views.requirement_new, name="requirement_new"),
    path("requirements/<int:pk>/", views.requirement, name="requirement"),
    path("requirements/<int:pk>/upload/", views.upload, name="upload"),
    path("materials/<int:pk>/new-version/", views.material_action, {"action": "new_version"}, name="new_version"),
    path("materials/<int:pk>/approve/", views.material_action, {"action": "approve"}, name="approve"),
    path("materials/<int:pk>/return/", views.material_action, {"action": "return"}, name="return"),
    path("materials/<int:pk>/files/<int:version_pk>/", views.version_file, name="file"),
]
