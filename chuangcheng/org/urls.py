from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .passwords import PasswordResetForm, SetPasswordForm

urlpatterns = [
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/password_change/", views.password_change, name="password_change"),
    # 找回密码: Django's email flow (a one-time link), with our pages; the mail leaves through a
    # job (chuangcheng.org.passwords).
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path("accounts/password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=SetPasswordForm),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("", views.home, name="home"),
    path("me/todo-count/", views.todo_count, name="todo_count"),
    path("me/attention/", views.attention, name="attention"),
    path("org/units/export/", views.units_export, name="units_export"),
    path("org/sites/export/", views.sites_export, name="sites_export"),
]
