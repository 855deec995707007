"""Pages of the org app: sign in and out, 修改密码, the home page (我的工作台), and the 单位名录
and 测评点位清单 exports."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from chuangcheng.xlsx import list_workbook, xlsx_response

from . import directory, selectors
from . import home as home_panels
from .forms import LoginForm
from .middleware import TODO_COUNT_KEY
from .models import Site, Unit
from .passwords import PasswordChangeForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule); says so on the login page it leads to."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("您已退出登录。"))
        return response


class PasswordChangeView(auth_views.RedirectURLMixin, auth_views.PasswordChangeView):
    """修改密码 — also where a person with a password someone else chose is sent first
    (:mod:`chuangcheng.org.middleware`). Saved: on to ``next`` (the page first asked for) or home."""

    form_class = PasswordChangeForm
    next_page = "home"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "forced": self.request.user.must_change_password,
            "next": self.get_redirect_url(),
        }

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改，下次请用新密码登录。"))
        return response


login = LoginView.as_view()
logout = LogoutView.as_view()
password_change = PasswordChangeView.as_view()


@login_required
def home(request):
    """Who I am, my units and roles, the countdown of each campaign I can see; for system
    administrators also the background jobs' board (a panel other apps register)."""
    user = request.user
    context = {
        "memberships": selectors.membership_list(user=user),
        # Other apps' panels: the campaigns' countdown (top), the job board for administrators.
        "panels": home_panels.panels(request),
    }
    return render(request, "org/home.html", context)


@login_required
@require_GET
def units_export(request):
    """单位名录 as .xlsx: the units the person may see, in the columns the import reads back."""
    units = Unit.objects.visible_to(request.user).select_related("region", "parent").prefetch_related("aliases")
    rows = directory.units_rows(units.order_by("level", "name"))
    filename = _("单位名录-%(d)s.xlsx") % {"d": timezone.localdate().strftime("%Y%m%d")}
    return xlsx_response(list_workbook(_("单位名录"), directory.UNIT_EXPORT, rows), filename)


@login_required
@require_GET
def sites_export(request):
    """测评点位清单 as .xlsx: the sites the person may see, in the columns the import reads back."""
    sites = Site.objects.visible_to(request.user).select_related("region", "responsible_unit")
    rows = directory.sites_rows(sites.order_by("region__path", "site_type", "name"))
    filename = _("测评点位清单-%(d)s.xlsx") % {"d": timezone.localdate().strftime("%Y%m%d")}
    return xlsx_response(list_workbook(_("测评点位清单"), directory.SITE_EXPORT, rows), filename)


TODO_COUNT_SECONDS = 60


def _attention(user):
    """:func:`home.attention` for ``user``, cached a minute per person (dropped by the person's
    own writes: org.middleware) — in the language it is read in."""
    key, language = TODO_COUNT_KEY % user.pk, get_language()
    kept = cache.get(key)
    if not isinstance(kept, dict) or kept.get("language") != language:  # also a count kept before
        kept = {"language": language, "lines": home_panels.attention(user)}
        cache.set(key, kept, TODO_COUNT_SECONDS)
    return kept["lines"]


@login_required
@require_GET
def todo_count(request):
    """The badge on 我的待办 (fetched after the page): how many items wait for this person."""
    lines = [line for line in _attention(request.user) if line.count]
    count = sum(line.count for line in lines)
    # The tooltip names what the number adds up (需要我处理's lines), not a summary of it.
    parts = pgettext("list separator", "、").join(f"{line.label} {line.count}" for line in lines)
    return render(request, "partials/_todo_badge.html", {"count": count, "parts": parts})


@login_required
@require_GET
def attention(request):
    """需要我处理 on the home page (htmx, after the page): each kind of item waiting for this
    person with its count, opening its list; the same lines the 我的待办 badge adds up."""
    lines = [line for line in _attention(request.user) if line.count]
    return render(request, "org/partials/_attention.html", {"lines": lines})
