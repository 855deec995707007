"""Dossier pages: 档案资料 completeness (by indicator, by unit, 缺项 / 待审 / 退回), a requirement's
page (materials, versions, upload, review), a version's download, the zip export and the
office's 新建材料要求.

Thin: reads from :mod:`dossiers.selectors` (everything starts from ``visible_to(user)``; out of
scope is a 404), writes through :mod:`dossiers.services`; a refusal is shown next to the field
it names (400), as a message (403), or as "it has changed" (409).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chuangcheng import pages
from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.dbrouting import reads_from_replica, replica_iter
from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import Unit

from . import export, permissions, selectors, services
from .api.views import download
from .forms import ApproveForm, NewVersionForm, RequirementForm, ReturnForm, UploadForm
from .models import MaterialVersion, Requirement
from .workflow import allowed_actions

TABS = ("indicator", "unit", "missing", "pending", "returned")
STATUS_COLORS = {
    "missing": "secondary",
    "pending": "orange",
    "returned": "red",
    "approved": "green",
}


def _campaign(user, raw):
    campaigns = Campaign.objects.visible_to(user).order_by("-status", "-start_date", "pk")
    if raw and str(raw).isdigit():
        return get_object_or_404(campaigns, pk=int(raw))
    return campaigns.filter(status="active").first() or campaigns.first()


def _visible_requirement(user, pk):
    return get_object_or_404(Requirement.objects.visible_to(user).select_related("campaign", "indicator"), pk=pk)


def message_page(request, *, status, level, title, message):
    alert = {"level": level, "title": title, "message": message}
    links = [pages.link(reverse("dossiers:overview"), _("档案资料"))]
    return pages.message_page(request, status=status, alert=alert, links=links)


# --- completeness ----------------------------------------------------------------------------------


@login_required
@require_GET
def overview(request):
    """档案资料: 材料完成率 over the requirements the person sees, and the lists behind it."""
    user = request.user
    campaign = _campaign(user, request.GET.get("campaign"))
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "indicator"
    visible = Requirement.objects.visible_to(user)
    unit = None
    if (raw := request.GET.get("unit", "")).isdigit():
        unit = get_object_or_404(Unit.objects.visible_to(user), pk=int(raw))
    result = selectors.completeness(campaign, unit, requirements=visible) if campaign else None
    rows = []
    if campaign and tab in ("missing", "pending", "returned"):
        rows = selectors.requirement_list(user=user, campaign=campaign, status=tab, unit=unit)
    reviewer = bool(campaign) and permissions.is_reviewer(user, campaign)
    branches = _branches_with_requirements(campaign) if reviewer else []
    context = {
        "campaign": campaign,
        "tab": tab,
        "unit": unit,
        "result": result,
        "rows": rows,
        "reviewer": reviewer,
        "standards": list(campaign.standards.all()) if campaign else [],
        "branches": branches,
        "status_colors": STATUS_COLORS,
        "definition": selectors.definition(),
    }
    return render(request, "dossiers/overview.html", context)


def _branches_with_requirements(campaign):
    """The top-level items (项目) of the campaign's standards that hold at least one requirement:
    what the office can export one branch at a time."""
    parents = dict(Indicator.objects.filter(standard__in=campaign.standards.all()).values_list("pk", "parent_id"))
    roots = set()
    for indicator_id in Requirement.objects.filter(campaign=campaign).values_list("indicator_id", flat=True).distinct():
        node = indicator_id
        while parents.get(node):
            node = parents[node]
        roots.add(node)
    return list(Indicator.objects.filter(pk__in=roots).order_by("standard_id", "sort_key"))


# --- a requirement -------------------------------------------------------------------------------


def _forms_for(user, requirement, materials, bound=None, bound_material=None):
    """The upload form (responsible units) and, per material, the forms of its allowed actions."""
    upload_units = [u for u in requirement.units.all() if u.pk in permissions.responsible_unit_ids(user, requirement)]
    upload = None
    if upload_units:
        upload = bound if isinstance(bound, UploadForm) else UploadForm(units=upload_units)
    classes = {"new_version": NewVersionForm, "approve": ApproveForm, "return": ReturnForm}
    for material in materials:
        material.actions = []
        for name in allowed_actions(user, material):
            form = classes[name](auto_id=f"id_{name}_{material.pk}_%s")
            if bound is not None and bound_material == material.pk and isinstance(bound, classes[name]):
                form = bound
            material.actions.append((name, form))
    return upload


def _requirement_page(request, requirement, *, bound=None, bound_material=None, status=200):
    user = request.user
    materials = selectors.requirement_materials(requirement)
    upload = _forms_for(user, requirement, materials, bound, bound_material)
    context = {
        "requirement": requirement,
        "units": list(requirement.units.order_by("name")),
        "materials": materials,
        "timeline": selectors.requirement_timeline(requirement),
        "upload_form": upload,
        "status_color": STATUS_COLORS[requirement.status],
        "open_material": bound_material,
        "overdue": requirement.is_overdue(timezone.localdate()),
        # A refused form is far down a phone's page: say so at the top, with a link to it.
        "form_errors": _error_texts(bound) if bound is not None else [],
    }
    return render(request, "dossiers/requirement.html", context, status=status)


def _error_texts(form):
    errors = getattr(form, "errors", None)
    if not errors:
        return []
    return [str(message) for messages_ in errors.values() for message in messages_]


@login_required
@require_GET
def requirement(request, pk):
    return _requirement_page(request, _visible_requirement(request.user, pk))


def _refused(request, requirement, error):
    status = error.status_code
    if status == 404:
        raise Http404(error.message)
    messages.error(request, error.message)
    if status == 409:
        return redirect("dossiers:requirement", pk=requirement.pk)
    return _requirement_page(request, requirement, status=status)


@login_required
@require_POST
def upload(request, pk):
    user = request.user
    requirement = _visible_requirement(user, pk)
    units = [u for u in requirement.units.all() if u.pk in permissions.responsible_unit_ids(user, requirement)]
    if not units:
        return _refused(
            request, requirement, ApplicationError(_("只有该材料要求的责任单位可以上传材料。"), code="forbidden")
        )
    form = UploadForm(request.POST, request.FILES, units=units)
    if form.is_valid():
        data = form.cleaned_data
        try:
            version = services.material_upload(
                actor=user,
                requirement_id=requirement.pk,
                file=data["file"],
                title=data["title"],
                document_number=data["document_number"],
                document_date=data["document_date"],
                note=data["note"],
                unit=data.get("unit"),
            )
        except ApplicationError as error:
            if error.code != "invalid":
                return _refused(request, requirement, error)
            form.add_service_error(error)
        else:
            _uploaded_message(request, version)
            return redirect("dossiers:requirement", pk=requirement.pk)
    return _requirement_page(request, requirement, bound=form, status=400)


def _uploaded_message(request, version):
    messages.success(request, _("已上传“%(t)s”，等待创建办审核。") % {"t": version.title})
    if version.duplicate_of_id:
        original = version.duplicate_of
        messages.warning(
            request,
            _("注意：该文件与已上传的“%(t)s”（%(n)s）内容完全相同。")
            % {"t": original.title, "n": original.material.requirement},
        )


ACTION_FORMS = {"new_version": NewVersionForm, "approve": ApproveForm, "return": ReturnForm}
DONE = {
    "approve": lambda: _("已审核通过。"),
    "return": lambda: _("已退回，报送单位会收到退回原因。"),
}


@login_required
@require_POST
def material_action(request, pk, action):
    user = request.user
    material = selectors.material_for(user, pk)
    if material is None:
        raise Http404
    requirement = material.requirement
    form = ACTION_FORMS[action](request.POST, request.FILES, auto_id=f"id_{action}_{material.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "new_version":
                version = services.material_add_version(
                    actor=user,
                    material_id=material.pk,
                    file=data["file"],
                    title=data["title"] or None,
                    document_number=data["document_number"] or None,
                    document_date=data["document_date"],
                    note=data["note"],
                )
            elif action == "approve":
                services.material_approve(actor=user, material_id=material.pk, comment=data["comment"])
            else:
                services.material_return(actor=user, material_id=material.pk, reason=data["reason"])
        except ApplicationError as error:
            if error.code != "invalid":
                return _refused(request, requirement, error)
            form.add_service_error(error)
        else:
            if action == "new_version":
                _uploaded_message(request, version)
            else:
                messages.success(request, DONE[action]())
            return redirect("dossiers:requirement", pk=requirement.pk)
    return _requirement_page(request, requirement, bound=form, bound_material=material.pk, status=400)


@login_required
@require_GET
def version_file(request, pk, version_pk):
    """A version's bytes, to people who see its requirement; always a download, never inline."""
    material = selectors.material_for(request.user, pk)
    if material is None:
        raise Http404
    return download(get_object_or_404(MaterialVersion, material=material, pk=version_pk))


# --- the office ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def requirement_new(request):
    user = request.user
    campaign = _campaign(user, request.GET.get("campaign") or request.POST.get("campaign"))
    if campaign is None or not permissions.can_manage_requirements(user, campaign):
        return message_page(
            request,
            status=403,
            level="danger",
            title=_("无权设置材料要求"),
            message=_("材料要求由创建办督查员设置。"),
        )
    form = RequirementForm(request.POST or None, campaign=campaign, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.requirement_create(actor=user, campaign=campaign, **form.cleaned_data)
        except ApplicationError as error:
            if error.code != "invalid":
                return message_page(
                    request, status=error.status_code, level="danger", title=_("不能保存"), message=error.message
                )
            form.add_service_error(error)
        else:
            messages.success(request, _("已新建材料要求，责任单位会收到通知。"))
            return redirect("dossiers:requirement", pk=created.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "dossiers/requirement_form.html", {"form": form, "campaign": campaign}, status=status)


@login_required
@require_GET
@reads_from_replica
def export_zip(request):
    """The dossier of the campaign (one standard, or one branch of it) as a streamed zip."""
    user = request.user
    campaign = _campaign(user, request.GET.get("campaign"))
    if campaign is None or not permissions.is_reviewer(user, campaign):
        return message_page(
            request,
            status=403,
            level="danger",
            title=_("无权导出档案资料"),
            message=_("档案资料由创建办督查员导出。"),
        )
    root = None
    if (raw := request.GET.get("indicator", "")).isdigit():
        root = get_object_or_404(Indicator.objects.filter(standard__in=campaign.standards.all()), pk=int(raw))
        standard = root.standard
    else:
        standards = campaign.standards.all()
        if (raw := request.GET.get("standard", "")).isdigit():
            standards = standards.filter(pk=int(raw))
        standard = standards.order_by("pk").first()
        if standard is None:
            raise Http404
    entries = export.plan(campaign, standard, root)
    response = StreamingHttpResponse(replica_iter(export.zip_chunks(entries)), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, export.export_filename(campaign, root))
    return response
