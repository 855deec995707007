"""模拟测评 pages: the rounds and their scores, the checklist at a site (made for a phone: it
keeps what was filled in when the network drops and sends it again; answers are idempotent by
site and item), 生成问题, the 模拟测评报告 (PDF, Word), and 举一反三 sweeps.

Thin: reads start from ``visible_to(user)`` (out of scope is a 404), writes go through
:mod:`evaluations.services`; a refusal is shown next to the field it names.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chuangcheng.campaigns.models import Campaign
from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import Region, SiteType, User
from inspections.models import Issue, categories_for

from . import permissions, report, scoring, services
from .models import GPS_WARNING_METRES, Answer, Result, Round, RoundSite, RoundState, Sweep, SweepResult, SweepSite


def _campaign(user):
    campaigns = Campaign.objects.visible_to(user).order_by("-status", "-start_date", "pk")
    return campaigns.filter(status="active").first() or campaigns.first()


def _category(raw, campaign):
    if not str(raw or "").isdigit():
        return None
    return categories_for(campaign).filter(pk=int(raw)).first()


def _wants_json(request):
    return request.headers.get("X-Requested-With") == "fetch"


@login_required
@require_GET
def round_list(request):
    """测评轮次 with their scores, the sites waiting for me, and — for the office — a new round."""
    return _round_list_page(request)


def _round_list_page(request, *, form=None, error=None, status=200):
    """The list; after a refused 新建 the form comes back as it was filled in, with the reason."""
    user = request.user
    campaign = _campaign(user)
    rounds = list(
        Round.objects.visible_to(user).filter(campaign=campaign).select_related("region").order_by("-number")
        if campaign
        else []
    )
    scores = {r.pk: scoring.round_score(r).city for r in rounds[:6]}
    mine = list(
        RoundSite.objects.filter(inspector=user, answered_at__isnull=True)
        .exclude(round__state=RoundState.CLOSED)
        .select_related("round", "site", "site__region")
        .order_by("round__starts_on", "order")[:50]
    )
    manage = bool(campaign) and permissions.can_manage_round(user, campaign.region)
    inspectors = (
        User.objects.filter(
            is_active=True,
            memberships__role="supervisor",
            memberships__unit__region__path__startswith=campaign.region.path,
        )
        .distinct()
        .order_by("display_name", "username")
        if manage
        else []
    )
    return render(
        request,
        "evaluations/round_list.html",
        {
            "campaign": campaign,
            "rows": [(r, scores.get(r.pk)) for r in rounds],
            "mine": mine,
            "manage": manage,
            "inspectors": inspectors,
            "site_types": [
                (value, label, (form or {}).get(f"quota_{value}", "0")) for value, label in SiteType.choices
            ],
            "today": timezone.localdate(),
            "values": {
                "name": (form or {}).get("name", ""),
                "starts_on": (form or {}).get("starts_on") or timezone.localdate().isoformat(),
                "ends_on": (form or {}).get("ends_on") or timezone.localdate().isoformat(),
                "seed": (form or {}).get("seed", ""),
                "exclude_previous": bool((form or {}).get("exclude_previous")),
            },
            "chosen": [int(v) for v in (form.getlist("inspectors") if form else []) if str(v).isdigit()] or [user.pk],
            "form_error": error,
        },
        status=status,
    )


@login_required
@require_POST
def round_new(request):
    user = request.user
    campaign = _campaign(user)
    if campaign is None:
        raise Http404
    quotas = {t: request.POST.get(f"quota_{t}", "") or 0 for t in SiteType.values}
    ids = [int(v) for v in request.POST.getlist("inspectors") if v.isdigit()]
    people = User.objects.in_bulk(ids)
    inspectors = [people[i] for i in ids if i in people]  # in the order chosen: sites go round in turn
    try:
        starts_on = dt.date.fromisoformat(request.POST.get("starts_on", ""))
        ends_on = dt.date.fromisoformat(request.POST.get("ends_on", ""))
    except ValueError:
        return _round_list_page(request, form=request.POST, error=_("请填写有效的开始和结束日期。"), status=400)
    try:
        round_ = services.round_create(
            actor=user,
            campaign=campaign,
            name=request.POST.get("name", ""),
            region=campaign.region,
            starts_on=starts_on,
            ends_on=ends_on,
            quotas=quotas,
            seed=request.POST.get("seed") or None,
            exclude_previous=bool(request.POST.get("exclude_previous")),
            inspectors=inspectors or [user],
        )
    except ApplicationError as exc:
        if exc.code == "forbidden":
            raise PermissionDenied(exc.message) from None
        return _round_list_page(request, form=request.POST, error=exc.message, status=400)
    messages.success(
        request, _("已抽取 %(n)s 个点位（随机种子 %(s)s）。") % {"n": round_.sites.count(), "s": round_.seed}
    )
    return redirect("evaluations:round", round_.pk)


def _visible_round(user, pk):
    return get_object_or_404(Round.objects.visible_to(user).select_related("region", "campaign"), pk=pk)


@login_required
@require_GET
def round_detail(request, pk):
    """A round: its score per district (ranked, with the change since the round before) and per
    indicator, and every sampled site with its inspector, answers and position."""
    user = request.user
    round_ = _visible_round(user, pk)
    data = report.round_report(round_)
    sites = (
        RoundSite.objects.visible_to(user)
        .filter(round=round_)
        .select_related("site", "site__region", "inspector", "district")
        .order_by("district__path", "order")
    )
    lost = {s.round_site_id: s for s in data["score"].sites}
    labels = dict(SiteType.choices)
    names = dict(Region.objects.filter(pk__in=[s["district_id"] for s in round_.shortfalls]).values_list("pk", "name"))
    shortfalls = [
        _("%(d)s%(t)s 应抽 %(w)s 个、只有 %(a)s 个")
        % {
            "d": names.get(s["district_id"], ""),
            "t": labels.get(s["site_type"], ""),
            "w": s["wanted"],
            "a": s["available"],
        }
        for s in round_.shortfalls
    ]
    return render(
        request,
        "evaluations/round_detail.html",
        {
            "round": round_,
            "data": data,
            "sites": [(s, lost.get(s.pk)) for s in sites],
            "manage": permissions.can_manage_round(user, round_.region),
            "shortfalls": shortfalls,
        },
    )


@login_required
@require_POST
def round_action(request, pk, action):
    round_ = _visible_round(request.user, pk)
    try:
        services.round_transition(actor=request.user, round_id=round_.pk, action=action)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("evaluations:round", round_.pk)


@login_required
@require_GET
def round_report_file(request, pk, fmt):
    round_ = _visible_round(request.user, pk)
    if fmt == "pdf":
        try:
            content = report.report_pdf(round_)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("evaluations:round", round_.pk)
        content_type = "application/pdf"
    else:
        content = report.report_docx(round_)
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"模拟测评报告-{round_.name}.{fmt}")
    return response


# --- the checklist at a site --------------------------------------------------------------------


def _visible_round_site(user, pk):
    return get_object_or_404(
        RoundSite.objects.visible_to(user).select_related("round", "round__campaign", "site", "site__region"), pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_checklist(request, pk):
    """The checklist on a phone: each item 合格 / 不合格 / 不涉及, a photo and a note on failure;
    the phone's position goes with the form. POST from the page's script answers in JSON."""
    user = request.user
    round_site = _visible_round_site(user, pk)
    items = services.checklist(round_site)
    answers = {a.item_id: a for a in round_site.answers.select_related("issue")}
    errors = {}
    if request.method == "POST":
        entries = []
        for item in items:
            result = request.POST.get(f"item_{item.pk}")
            if not result:
                continue
            entries.append(
                {
                    "item": item.pk,
                    "result": result,
                    "note": request.POST.get(f"note_{item.pk}", ""),
                    "photo": request.FILES.get(f"photo_{item.pk}"),
                }
            )
        try:
            services.site_answer(
                actor=user,
                round_site_id=round_site.pk,
                answers=entries,
                latitude=request.POST.get("latitude") or None,
                longitude=request.POST.get("longitude") or None,
            )
        except ApplicationError as exc:
            if _wants_json(request):
                return JsonResponse({"ok": False, "field": exc.field, "message": exc.message}, status=400)
            errors[exc.field or "__all__"] = exc.message
        else:
            url = reverse("evaluations:site", args=[round_site.pk])
            if _wants_json(request):
                return JsonResponse({"ok": True, "redirect": url + "?saved=1"})
            messages.success(request, _("已保存测评结果。"))
            return redirect(url)
    round_site.refresh_from_db()
    failed = [a for a in answers.values() if a.result == Result.FAIL]
    return render(
        request,
        "evaluations/site_checklist.html",
        {
            "rs": round_site,
            "rows": [(item, answers.get(item.pk)) for item in items],
            "errors": errors,
            "posted": request.POST if errors else None,
            "can_answer": permissions.can_answer(user, round_site),
            "can_generate": permissions.can_generate_issues(user, round_site),
            "pending_issues": [a for a in failed if a.issue_id is None],
            "issued": [a for a in failed if a.issue_id],
            "categories": categories_for(round_site.round.campaign).order_by("code")
            if any(a.item.category_id is None for a in failed)
            else [],
            "gps_limit": GPS_WARNING_METRES,
            "results": Result.choices,
            "saved": request.GET.get("saved"),
        },
    )


@login_required
@require_POST
def site_generate(request, pk):
    round_site = _visible_round_site(request.user, pk)
    category = _category(request.POST.get("category"), round_site.round.campaign)
    try:
        created = services.site_generate_issues(actor=request.user, round_site_id=round_site.pk, category=category)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if created:
            messages.success(
                request,
                _("已生成 %(n)s 个问题：%(ids)s") % {"n": len(created), "ids": "、".join(f"#{i.pk}" for i in created)},
            )
        else:
            messages.info(request, _("没有需要生成问题的不合格项。"))
    return redirect("evaluations:site", round_site.pk)


# --- 举一反三 ------------------------------------------------------------------------------------


@login_required
@require_GET
def sweep_list(request):
    user = request.user
    sweeps = list(Sweep.objects.visible_to(user).select_related("region").order_by("-created_at")[:200])
    progress = {}
    for row in SweepSite.objects.filter(sweep__in=sweeps).values_list("sweep_id", "result"):
        p = progress.setdefault(row[0], {"total": 0, "pass": 0, "issue": 0, "pending": 0})
        p["total"] += 1
        p[row[1]] += 1
    return render(
        request,
        "evaluations/sweep_list.html",
        {"rows": [(s, progress.get(s.pk, {})) for s in sweeps]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def sweep_new(request):
    """举一反三 from an issue (``?issue=``) or a failed check item (``?answer=``)."""
    user = request.user
    campaign = _campaign(user)
    if campaign is None:
        raise Http404
    issue = answer = None
    if not (user.scope.sees_all or "supervisor" in user.scope.roles):  # the region is checked on saving
        raise PermissionDenied(_("只有督查人员可以发起举一反三排查。"))
    source = request.POST if request.method == "POST" else request.GET
    if (raw := source.get("issue", "")).isdigit():
        issue = get_object_or_404(
            Issue.objects.visible_to(user).select_related("site", "category", "region"), pk=int(raw)
        )
    if (raw := source.get("answer", "")).isdigit():
        answer = get_object_or_404(
            Answer.objects.filter(round_site__in=RoundSite.objects.visible_to(user)).select_related(
                "item", "round_site__site"
            ),
            pk=int(raw),
        )
    site_type = source.get("site_type") or (
        answer.item.site_type if answer else (issue.site.site_type if issue and issue.site_id else "")
    )
    regions = Region.objects.filter(path__startswith=campaign.region.path, level__in=("city", "county")).order_by(
        "path"
    )
    error = None
    if request.method == "POST":
        region = regions.filter(
            pk=int(source.get("region") or 0) if str(source.get("region", "")).isdigit() else 0
        ).first()
        try:
            due_on = dt.date.fromisoformat(source.get("due_on", ""))
        except ValueError:
            due_on = None
        try:
            if region is None:
                raise ApplicationError(_("请选择排查范围。"), field="region")
            sweep = services.sweep_create(
                actor=user,
                campaign=campaign,
                region=region,
                site_type=site_type,
                due_on=due_on,
                item=answer.item if answer else None,
                category=_category(source.get("category"), campaign),
                title=source.get("title", ""),
                origin_issue=issue,
                origin_answer=answer,
            )
        except ApplicationError as exc:
            error = exc
        else:
            messages.success(
                request, _("已发起举一反三排查，%(n)s 个点位已分派到责任单位。") % {"n": sweep.sites.count()}
            )
            return redirect("evaluations:sweep", sweep.pk)
    title = source.get("title") or (answer.item.text if answer else (issue.description[:100] if issue else ""))
    derived = (
        (answer.item.category_id if answer else None)
        or (answer.issue.category_id if answer and answer.issue_id else None)
        or (issue.category_id if issue else None)
    )
    return render(
        request,
        "evaluations/sweep_new.html",
        {
            "issue": issue,
            "answer": answer,
            "title": title,
            "site_type": site_type,
            "site_types": SiteType.choices,
            "regions": regions,
            "region_id": source.get("region") or str(campaign.region_id),
            "due_on": source.get("due_on") or (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
            "categories": categories_for(campaign).order_by("code"),
            "category_id": str(source.get("category") or derived or ""),
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def sweep_detail(request, pk):
    """A sweep's sites, each with its unit and answer; a unit answers its own sites here."""
    user = request.user
    sweep = get_object_or_404(Sweep.objects.visible_to(user).select_related("region", "category"), pk=pk)
    errors = {}
    if request.method == "POST":
        site_pk = (
            int(request.POST.get("sweep_site", 0) or 0) if str(request.POST.get("sweep_site", "")).isdigit() else 0
        )
        sweep_site = get_object_or_404(SweepSite, pk=site_pk, sweep=sweep)
        try:
            services.sweep_answer(
                actor=user,
                sweep_site_id=sweep_site.pk,
                result=request.POST.get("result", ""),
                photo=request.FILES.get("photo"),
                note=request.POST.get("note", ""),
            )
        except ApplicationError as exc:
            errors[sweep_site.pk] = exc.message
        else:
            messages.success(request, _("已记录“%(s)s”的排查结果。") % {"s": sweep_site.site.name})
            return redirect(reverse("evaluations:sweep", args=[sweep.pk]) + f"#site-{sweep_site.pk}")
    sites = list(sweep.sites.select_related("site", "site__region", "unit", "answered_by", "issue"))
    counts = {k: sum(1 for s in sites if s.result == k) for k in SweepResult.values}
    return render(
        request,
        "evaluations/sweep_detail.html",
        {
            "sweep": sweep,
            "rows": [(s, permissions.can_answer_sweep_site(user, s), errors.get(s.pk)) for s in sites],
            "counts": counts,
            "total": len(sites),
            "page_error": next(iter(errors.values()), None),
        },
        status=400 if errors else 200,
    )
