"""Error answers (``handler400/403/404/500`` in ``chuangcheng.urls``): a Chinese page, or JSON
under ``/api/`` — never Django's bare English HTML.

- The database unreachable (``OperationalError``/``InterfaceError`` escaping a view — a restart,
  a failover) is a **503** with ``Retry-After``: the request may simply be repeated.
- Anything else unexpected is a **500**; the exception is logged by Django as before.

The pages render without the request (no user, no session, no database): they must work
exactly when the rest does not.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 30


def _is_api(request):
    return request.path.startswith("/api/")


def _answer(request, status, code, title, message, *, headers=None):
    if _is_api(request):
        response = JsonResponse(
            {"detail": message, "code": code}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    else:
        page = loader.render_to_string("error.html", {"status": status, "title": title, "message": message})
        response = HttpResponse(page, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def too_large(request, limit_mb):
    return _answer(
        request,
        413,
        "too_large",
        _("提交的内容过大"),
        _("一次提交的内容不能超过 %(mb)s MB，请减少照片或文件的数量、压缩后重试。") % {"mb": limit_mb},
    )


def bad_request(request, exception=None):
    return _answer(request, 400, "bad_request", _("请求有误"), _("请求格式不正确，请检查后重试。"))


def permission_denied(request, exception=None):
    return _answer(request, 403, "forbidden", _("没有权限"), _("您没有权限访问此页面。"))


def page_not_found(request, exception=None):
    return _answer(request, 404, "not_found", _("页面不存在"), _("您访问的页面不存在，或已被删除。"))


def server_error(request):
    exception = sys.exc_info()[1]  # Django calls this handler while the exception is handled
    if isinstance(exception, (OperationalError, InterfaceError)):
        return _answer(
            request,
            503,
            "service_unavailable",
            _("系统暂时无法访问"),
            _("数据库暂时无法连接，请稍后重试。如刚提交过内容，请先刷新查看是否已保存，再决定是否重新提交。"),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return _answer(
        request, 500, "server_error", _("服务器出错"), _("服务器出错，请稍后重试。如果问题持续，请联系系统管理员。")
    )
