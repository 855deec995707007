"""Middleware of the org app."""

from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from .passwords import CHANGE_REQUIRED_CODE, CHANGE_REQUIRED_MESSAGE, must_change_password


class PasswordChangeRequiredMiddleware:
    """A person signed in with a password someone else chose (``User.must_change_password``)
    reaches 修改密码 only: every page redirects there (``?next=`` the page asked for; an htmx
    request is told to load it), an API call is a 403 with a message saying why. Exempt: the
    password pages themselves, signing out, choosing the language, static files, the health check.

    API calls with a token are refused by :mod:`chuangcheng.org.api.authentication` (the token
    is read by DRF, after this middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def change_url(self):
        return reverse("password_change")

    @cached_property
    def exempt_paths(self):
        return {
            self.change_url,
            reverse("logout"),
            reverse("admin:logout"),
            reverse("set_language"),
            reverse("healthz"),
        }

    @cached_property
    def exempt_prefixes(self):
        return tuple(p for p in ("/" + settings.STATIC_URL.lstrip("/"), "/i18n/") if p != "/")

    def __call__(self, request):
        if not self.is_exempt(request.path_info) and must_change_password(getattr(request, "user", None)):
            return self.refuse(request)
        return self.get_response(request)

    def is_exempt(self, path):
        return path in self.exempt_paths or path.startswith(self.exempt_prefixes)

    def refuse(self, request):
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": str(CHANGE_REQUIRED_MESSAGE), "code": CHANGE_REQUIRED_CODE},
                status=403,
                json_dumps_params={"ensure_ascii": False},
            )
        htmx = getattr(request, "htmx", None)
        if htmx:  # a fragment: the page it was asked from is where to go on to
            back = htmx.current_url_abs_path or ""
        else:
            back = request.get_full_path() if request.method == "GET" else ""
        target = self.change_url + ("?" + urlencode({"next": back}) if back else "")
        return HttpResponseClientRedirect(target) if htmx else redirect(target)


TODO_COUNT_KEY = "todo-count:%s"


class OwnWritesRefreshTodoBadgeMiddleware:
    """The 我的待办 badge and the home page's 需要我处理 are cached for a minute per person
    (``org.views._attention``); a successful write by that person (提交核查, 签收, a task
    report…) drops their copy, so the page they land on counts what they just did. Others'
    badges catch up within the minute."""

    UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in self.UNSAFE and response.status_code < 400:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                try:
                    cache.delete(TODO_COUNT_KEY % user.pk)
                except Exception:  # the cache down: the badge is a minute late
                    pass
        return response
