"""Inspections: the list and a detail page, capture on a phone (start an inspection, then record
issues one after another), the unit suggestion, and the unit's queue of issues (待办问题)."""

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import Region
from chuangcheng.pagination import CappedPaginator as Paginator

from .. import permissions, selectors, services
from ..forms import (
    InspectionStartForm,
    IssueCaptureForm,
)
from ..models import (
    Inspection,
    InspectionKind,
    IssueCategory,
    IssueSource,
)
from .common import PAGE_SIZE, can_capture, first_before_photos, issue_rows, message_page

QUEUE_COMPACT = 5  # rows of 待办问题 at the top of 我的待办; the rest one tap away
SOURCE_OF_KIND = {
    InspectionKind.COVERT: IssueSource.COVERT,
    InspectionKind.SUPERVISION: IssueSource.SUPERVISION,
    InspectionKind.SELF_CHECK: IssueSource.PATROL,
    InspectionKind.MOCK: IssueSource.MOCK,
    InspectionKind.HIGHER_FEEDBACK: IssueSource.HIGHER,
    InspectionKind.MEDIA: IssueSource.MEDIA,
    InspectionKind.CITIZEN_BATCH: IssueSource.CITIZEN,
}


# --- inspections -----------------------------------------------------------------------------------


@login_required
@require_GET
def inspection_list(request):
    """The inspections the person may see, newest first, with their issue counts."""
    inspections = (
        Inspection.objects.visible_to(request.user)
        .select_related("campaign", "region")
        .annotate(**selectors.inspection_issue_counts(request.user))
        .order_by("-date", "-id")
    )
    page = Paginator(inspections, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "inspections": list(page),
        "can_capture": can_capture(request.user),
        "can_import_feedback": permissions.can_import_feedback(request.user),
    }
    return render(request, "inspections/inspection_list.html", context)


@login_required
@require_GET
def inspection_detail(request, pk):
    """One inspection and the issues it found (those the person may see)."""
    user = request.user
    inspection = get_object_or_404(
        Inspection.objects.visible_to(user).select_related("campaign", "region", "created_by"), pk=pk
    )
    issues = list(selectors.issue_list(user=user).filter(inspection=inspection)[:500])
    context = {
        "inspection": inspection,
        "inspectors": list(inspection.inspectors.all()),
        "rows": issue_rows(issues, thumbs=first_before_photos([i.pk for i in issues])),
        "can_add": can_capture(user) and permissions.can_create_issue(user, inspection.region),
    }
    return render(request, "inspections/inspection_detail.html", context)


# --- capture on a phone ----------------------------------------------------------------------------


def _capture_refused(request):
    alert = {
        "level": "danger",
        "title": _("无权登记检查"),
        "message": _("现场检查由督查员和包保领导登记；本单位的问题请在“我的待办”中办理。"),
    }
    return message_page(request, status=403, alert=alert)


@login_required
@require_http_methods(["GET", "POST"])
def capture_start(request):
    """Step one on site: which campaign, what kind of inspection, when, where."""
    user = request.user
    if not can_capture(user):
        return _capture_refused(request)
    form = InspectionStartForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                inspection = services.inspection_create(
                    actor=user,
                    campaign=data["campaign"],
                    kind=data["kind"],
                    date=data["date"],
                    region=data["region"],
                    summary=data["summary"],
                )
            except ApplicationError as error:
                if error.code == "forbidden":
                    form.add_error("region", error.message)
                else:
                    form.add_service_error(error)
            else:
                return redirect("inspections:capture", pk=inspection.pk)
        status = 400
    # Newest first, said outright: a counting (GROUP BY) query drops the model's ordering.
    recent = list(
        Inspection.objects.filter(inspectors=user)
        .select_related("region")
        .annotate(issue_count=selectors.inspection_issue_counts(user)["issue_count"])
        .order_by("-date", "-id")[:5]
    )
    return render(request, "inspections/capture_start.html", {"form": form, "recent": recent}, status=status)


def _capture_inspection(request, pk):
    inspection = get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related("campaign", "region"), pk=pk
    )
    return inspection


@login_required
@require_http_methods(["GET", "POST"])
def capture(request, pk):
    """Record issues one after another on one screen. After each save the form comes back
    empty but for the category, region and 直接交办 (the next problem is often the same kind,
    nearby; not the severity — a 严重 must not pass silently to the next one), and the list of
    what this inspection found so far grows."""
    user = request.user
    if not can_capture(user):
        return _capture_refused(request)
    inspection = _capture_inspection(request, pk)
    status, saved = 200, None
    if request.method == "POST":
        form = IssueCaptureForm(request.POST, request.FILES, user=user, inspection=inspection)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.issue_create(
                    actor=user,
                    campaign=inspection.campaign,
                    inspection=inspection,
                    source=SOURCE_OF_KIND.get(inspection.kind, IssueSource.PATROL),
                    category=data["category"],
                    severity=data["severity"],
                    description=data["description"],
                    region=data["region"],
                    address=data["address"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    photos=data["photos"],
                    assign=data["assign"],
                    responsible_unit=data["responsible_unit"] if data["assign"] else None,
                    client_key=data["client_key"],
                )
            except ApplicationError as error:
                if error.code == "not_found":
                    raise Http404(error.message) from None
                form.add_service_error(error)
        if saved is None:
            status = 400
        else:
            keep = {
                "category": data["category"].pk,
                "region": data["region"].pk,
                "assign": data["assign"],
            }
            form = IssueCaptureForm(initial=keep, user=user, inspection=inspection)
            if not request.htmx:
                messages.success(request, _("已登记问题 #%(n)s。") % {"n": saved.pk})
                return redirect("inspections:capture", pk=pk)
    else:
        form = IssueCaptureForm(user=user, inspection=inspection)
    context = {
        "inspection": inspection,
        "form": form,
        "categories": form.grouped_categories(),
        **_unit_choice(form, inspection),
        "saved": saved,
        "found": issue_rows(selectors.issue_list(user=user).filter(inspection=inspection)[:200]),
    }
    template = "inspections/partials/_capture_body.html" if request.htmx else "inspections/capture.html"
    return render(request, template, context, status=status)


def _suggested_unit(form, inspection):
    """The unit the issue would go to, from the form's current category and region."""

    def pick(name, model):
        raw = form.data.get(name) if form.is_bound else form.initial.get(name, form.fields[name].initial)
        if raw in (None, ""):
            return None
        if isinstance(raw, model):
            return raw
        try:
            return model.objects.filter(pk=int(raw)).first()
        except (TypeError, ValueError):
            return None

    region = pick("region", Region) or inspection.region
    category = pick("category", IssueCategory)
    return selectors.suggest_responsible_unit(region, category)


@login_required
@require_GET
def capture_suggest(request, pk):
    """htmx: the responsible-unit select, with the unit suggested for the chosen category and
    region selected (the site's unit, the category's department, or 属地兜底)."""
    user = request.user
    if not can_capture(user):
        return _capture_refused(request)
    inspection = _capture_inspection(request, pk)
    data = request.GET.copy()
    data.pop("responsible_unit", None)  # a new category or region: the suggestion wins
    form = IssueCaptureForm(data, user=user, inspection=inspection)
    return render(request, "inspections/partials/_unit_field.html", {"form": form, **_unit_choice(form, inspection)})


def _unit_choice(form, inspection):
    """The responsible-unit select: its options, the suggested unit, and the one selected
    (what the inspector picked on a form sent back with an error, else the suggestion)."""
    suggested = _suggested_unit(form, inspection)
    picked = form.data.get("responsible_unit") if form.is_bound else None
    selected = picked if picked else (suggested.pk if suggested else "")
    return {
        "suggested": suggested,
        "units": list(form.fields["responsible_unit"].queryset.values_list("pk", "name")),
        "selected_unit": str(selected),
    }


# --- 我的待办: the unit's issues --------------------------------------------------------------------


@login_required
@require_GET
def my_queue(request):
    """待办问题 of my units: to sign, to rectify (返工 marked), long-term — nearest deadline
    first. A section of 我的待办 (loaded with htmx), or a page of its own."""
    queue = selectors.my_queue(user=request.user)
    compact = bool(request.htmx) and request.GET.get("compact") == "1"
    issues, total = list(queue[: QUEUE_COMPACT if compact else PAGE_SIZE]), queue.count()
    context = {
        "rows": issue_rows(issues),
        "total": total,
        "compact": compact,
        "has_units": bool(request.user.scope.unit_ids),
    }
    template = "inspections/partials/_my_queue.html" if request.htmx else "inspections/my_queue.html"
    return render(request, template, context)


@login_required
@require_GET
def review_queue(request):
    """What waits for a supervisor in their scope (待核查, 延期申请, 申请退回, 待受理, 超期未改):
    a section of 我的待办, loaded with htmx — each with its count, the first few, and a link to
    the whole list in 问题清单. Opened by itself (a copied address) it is 我的待办, where it belongs."""
    if not request.htmx:
        return redirect("tasks:my_work")
    sections = []
    for section in selectors.review_queue(user=request.user):
        total = section.queryset.count()
        rows = issue_rows(list(section.queryset[:QUEUE_COMPACT])) if total else []
        sections.append({"section": section, "total": total, "rows": rows})
    return render(request, "inspections/partials/_review_queue.html", {"sections": sections})


@require_GET
def capture_worker(request):
    """The capture page's service worker, served from /inspections/ so that its scope covers the
    capture pages (a worker under /static/ could only control /static/)."""
    path = Path(settings.BASE_DIR) / "static" / "inspections" / "sw.js"
    response = HttpResponse(path.read_text(encoding="utf-8"), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
