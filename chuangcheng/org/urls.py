from django.urls import path

from . import views

urlpatterns = [
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("", views.home, name="home"),
    path("org/units/export/", views.units_export, name="units_export"),
    path("org/sites/export/", views.sites_export, name="sites_export"),
]
