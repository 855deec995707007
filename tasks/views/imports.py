"""任务分解表 import: the upload page (the import pages' flow, :mod:`chuangcheng.imports`) and
the template to fill in."""

from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from chuangcheng.imports import views as import_views
from chuangcheng.xlsx import xlsx_response

from .. import exports, permissions
from .common import message_page


def _import_refused(request):
    alert = {
        "level": "danger",
        "title": _("无权导入任务"),
        "message": _("只有督查员和系统管理员可以导入任务分解表。"),
    }
    return message_page(request, status=403, alert=alert)


@login_required
def import_page(request):
    """Upload a 任务分解表 and pick the campaign → the preview (what each cell became, or the bad
    rows by line) → confirm once → imported in one transaction (in the background when large)."""
    if not permissions.can_create(request.user, None):
        return _import_refused(request)
    return import_views.upload(request, kind="tasks")


@login_required
@require_GET
def import_template(request):
    """The 任务分解表 template (.xlsx) with the headers the import reads."""
    if not permissions.can_create(request.user, None):
        return _import_refused(request)
    return xlsx_response(exports.import_template_workbook(), _("任务分解表模板.xlsx"))
