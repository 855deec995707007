"""Briefing pages: the list (with the 生成通报 form for supervisors), the page of one briefing
and its downloads (PDF, Word, Excel).

Thin: the list starts from ``Briefing.objects.visible_to(user)`` (out of scope: 404), building
goes through :func:`~chuangcheng.reports.briefings.briefing_build`, and the outputs render the
briefing's frozen snapshot.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chuangcheng.exceptions import ApplicationError

from . import outputs, permissions
from .briefings import briefing_build
from .forms import BriefingBuildForm
from .models import Briefing, BriefingKind

PAGE_SIZE = 30
DOWNLOADS = {
    "pdf": ("application/pdf", outputs.briefing_pdf),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", outputs.briefing_docx),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", outputs.briefing_xlsx),
}


def _list_context(request, form=None):
    briefings = (
        Briefing.objects.visible_to(request.user)
        .select_related("campaign", "region")
        .defer("content")
        .order_by("-period_end", "kind", "region__code", "region__path")
    )
    kind = request.GET.get("kind", "")
    if kind in BriefingKind.values:
        briefings = briefings.filter(kind=kind)
    can_build = permissions.can_build_any_briefing(request.user)
    if can_build and form is None:
        form = BriefingBuildForm(user=request.user)
    return {
        "page": Paginator(briefings, PAGE_SIZE).get_page(request.GET.get("page")),
        "kinds": BriefingKind.choices,
        "kind": kind,
        "form": form if can_build else None,
    }


@login_required
@require_GET
def briefing_list(request):
    return render(request, "reports/briefing_list.html", _list_context(request))


@login_required
@require_POST
def briefing_build_view(request):
    """生成通报: build (or find) the briefing of the chosen period and go to it."""
    if not permissions.can_build_any_briefing(request.user):
        raise Http404
    form = BriefingBuildForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            briefing, created = briefing_build(
                campaign=data["campaign"],
                kind=data["kind"],
                day=data["date"],
                region=data["region"],
                actor=request.user,
            )
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if created:
                messages.success(request, _("已生成通报 %(n)s。") % {"n": briefing.document_number})
            else:
                messages.info(
                    request, _("该统计期的通报已经生成（%(n)s），不再重复生成。") % {"n": briefing.document_number}
                )
            return redirect("reports:detail", pk=briefing.pk)
    return render(request, "reports/briefing_list.html", _list_context(request, form), status=400)


def _visible(request, pk):
    return get_object_or_404(Briefing.objects.visible_to(request.user).select_related("campaign", "region"), pk=pk)


@login_required
@require_GET
def briefing_detail(request, pk):
    briefing = _visible(request, pk)
    context = outputs.briefing_context(briefing)
    context["pdf_problem"] = outputs.pdf_problem()
    return render(request, "reports/briefing_detail.html", context)


@login_required
@require_GET
def briefing_download(request, pk, fmt):
    briefing = _visible(request, pk)
    if fmt not in DOWNLOADS:
        raise Http404
    mimetype, render_file = DOWNLOADS[fmt]
    try:
        data = render_file(briefing)
    except ApplicationError as error:
        # The PDF engine or the Chinese font is missing here: say so plainly, not a 500.
        context = {"briefing": briefing, "message": error.message}
        return render(request, "reports/download_unavailable.html", context, status=503)
    response = HttpResponse(data, content_type=mimetype)
    filename = f"{briefing.document_number}{briefing.title}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
