"""Briefing pages: the list (with the 生成通报 form for supervisors), the page of one briefing
(for a draft, the office's form: 下步工作要求, 点名, 表扬, 保存草稿 / 发布), and its downloads
(PDF, Word, Excel).

Thin: the list starts from ``Briefing.objects.visible_to(user)`` (out of scope, or a draft the
viewer may not publish: 404); building, saving and publishing go through
:mod:`chuangcheng.reports.briefings`; the outputs render the briefing's frozen snapshot.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chuangcheng.dbrouting import reads_from_replica
from chuangcheng.exceptions import ApplicationError

from . import outputs, permissions
from .briefings import briefing_build, briefing_publish, briefing_save_draft
from .forms import BriefingBuildForm, BriefingDraftForm
from .models import Briefing, BriefingKind, BriefingStatus

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
    status = request.GET.get("status", "")
    if status in BriefingStatus.values:
        briefings = briefings.filter(status=status)
    can_build = permissions.can_build_any_briefing(request.user)
    if can_build and form is None:
        form = BriefingBuildForm(user=request.user)
    return {
        "page": Paginator(briefings, PAGE_SIZE).get_page(request.GET.get("page")),
        "kinds": BriefingKind.choices,
        "kind": kind,
        "statuses": BriefingStatus.choices if can_build else [],
        "status": status,
        "form": form if can_build else None,
    }


@login_required
@require_GET
@reads_from_replica
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
            if created and briefing.is_draft:
                messages.success(request, _("已生成通报草稿：请审核，填写下步工作要求后发布（发布时编号）。"))
            elif created:
                messages.info(request, briefing.summary)
            else:
                messages.info(
                    request,
                    _("该统计期的通报已经生成（%(n)s），不再重复生成。")
                    % {"n": briefing.document_number or briefing.get_status_display()},
                )
            return redirect("reports:detail", pk=briefing.pk)
    return render(request, "reports/briefing_list.html", _list_context(request, form), status=400)


def _visible(request, pk):
    return get_object_or_404(Briefing.objects.visible_to(request.user).select_related("campaign", "region"), pk=pk)


@login_required
@require_GET
def briefing_photo(request, pk, photo_pk):
    """A 典型问题 photo of a briefing the person may read. The briefing is one document for all
    its readers (its PDF carries the same photos), so a district's supervisor sees the photos
    of the city's typical items here too, not only of the issues they may open — and only the
    photos the briefing names."""
    from inspections.models import Photo
    from inspections.photos import jpeg_response

    briefing = _visible(request, pk)
    named = {
        photo.get("id")
        for item in outputs.typical_items(briefing.content)
        for photo in (item.get("photos") or {}).values()
        if photo
    }
    if photo_pk not in named:
        raise Http404
    return jpeg_response(get_object_or_404(Photo, pk=photo_pk).file)


def _detail(request, briefing, *, form=None, status=200):
    context = outputs.briefing_context(briefing)
    context["pdf_problem"] = outputs.pdf_problem()
    if permissions.can_publish_briefing(request.user, briefing):
        context["draft_form"] = form or BriefingDraftForm(
            initial={
                "requirements": briefing.requirements,
                "criticism": briefing.criticism,
                "commendation": briefing.commendation,
            }
        )
    return render(request, "reports/briefing_detail.html", context, status=status)


@login_required
@require_GET
@reads_from_replica
def briefing_detail(request, pk):
    return _detail(request, _visible(request, pk))


@login_required
@require_POST
def briefing_edit(request, pk):
    """保存草稿 or 发布 (the button pressed): the office's paragraphs, then — for 发布 — the 文号."""
    briefing = _visible(request, pk)
    if not permissions.can_publish_briefing(request.user, briefing):
        if briefing.is_draft:
            raise Http404
        messages.warning(request, _("该通报已发布（%(n)s），不能再修改。") % {"n": briefing.document_number})
        return redirect("reports:detail", pk=briefing.pk)
    form = BriefingDraftForm(request.POST)
    if not form.is_valid():
        return _detail(request, briefing, form=form, status=400)
    texts = form.cleaned_data
    try:
        if "publish" in request.POST:
            done = briefing_publish(actor=request.user, briefing_id=briefing.pk, **texts)
            messages.success(request, _("已发布 %(n)s，并已发送给订阅人。") % {"n": done.document_number})
        else:
            briefing_save_draft(actor=request.user, briefing_id=briefing.pk, **texts)
            messages.success(request, _("草稿已保存。"))
    except ApplicationError as error:
        if error.code == "not_found":
            raise Http404 from None
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _detail(request, _visible(request, pk), form=form, status=error.status_code)
    return redirect("reports:detail", pk=briefing.pk)


@login_required
@require_GET
@reads_from_replica
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
    number = briefing.document_number or _("草稿")
    filename = f"{number}{briefing.title}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
