from django.urls import path

from . import dashboard_views

app_name = "dashboard"

urlpatterns = [
    path("", dashboard_views.overview_page, name="overview"),
    path("export.xlsx", dashboard_views.overview_xlsx, name="xlsx"),
    path("units/<int:pk>/", dashboard_views.unit_page, name="unit"),
]
