"""Files out of inspections: the 整改情况报告 (.docx, .xlsx) of an inspection, its source
document (an imported 上级反馈 list), and the inspection list as .xlsx. Each is served only to
people who can see the inspection (out of scope: 404)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from chuangcheng.dbrouting import reads_from_replica
from chuangcheng.imports.export_views import export_response
from chuangcheng.xlsx import xlsx_response

from .. import exports, feedback_report
from ..models import Inspection


def _inspection(user, pk):
    return get_object_or_404(
        Inspection.objects.visible_to(user).select_related("campaign__office_unit", "region"), pk=pk
    )


@login_required
@require_GET
def inspection_report(request, pk, fmt):
    """整改情况报告 of an inspection, in the order its problems were received."""
    inspection = _inspection(request.user, pk)
    name = _("整改情况报告-%(d)s") % {"d": f"{inspection.date:%Y%m%d}"}
    if fmt == "docx":
        response = HttpResponse(feedback_report.report_docx(inspection), content_type=feedback_report.DOCX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, f"{name}.docx")
        return response
    return xlsx_response(feedback_report.report_xlsx(inspection), f"{name}.xlsx")


@login_required
@require_GET
def inspection_source(request, pk):
    """The file an 上级反馈 inspection was imported from, as received."""
    inspection = _inspection(request.user, pk)
    if not inspection.source_document:
        raise Http404
    return FileResponse(
        inspection.source_document.open("rb"), as_attachment=True, filename=inspection.source_name or "source"
    )


@login_required
@require_GET
@reads_from_replica
def inspection_export(request):
    """The inspection list (what the person may see) as .xlsx — at once when small, else a
    background export and its page."""
    return export_response(request, exports.INSPECTIONS_KIND)
