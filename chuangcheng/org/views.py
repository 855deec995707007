"""Pages of the org app: sign in and out, and the home page (我的工作台)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import selectors
from .forms import LoginForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule); says so on the login page it leads to."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("您已退出登录。"))
        return response


login = LoginView.as_view()
logout = LogoutView.as_view()


@login_required
def home(request):
    """Who I am, my units and roles, the countdown of each campaign I can see; for system
    administrators also the background jobs' heartbeat."""
    user = request.user
    context = {
        "memberships": selectors.membership_list(user=user),
        "countdowns": selectors.campaign_countdown_list(user=user),
        "heartbeats": selectors.heartbeat_list() if user.scope.sees_all else None,
    }
    return render(request, "org/home.html", context)
