"""Dashboard pages: 总览 (supervisors, leaders, the office; with the leader's extras), 单位视图
(unit heads) and the .xlsx of every table. Thin: the numbers come from
:mod:`chuangcheng.reports.dashboard`; charts are drawn by ``static/reports/dashboard.js`` from
the same data embedded with ``json_script`` (no inline script runs, as the CSP requires)."""

from decimal import Decimal
from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.styles import Font

from chuangcheng.dbrouting import reads_from_replica
from chuangcheng.humantime import day, day_range, when, when_short
from chuangcheng.org.scoping import scope_for
from chuangcheng.wording import join_clauses
from chuangcheng.xlsx import append_row
from inspections.models import IssueState

from . import dashboard, stats
from .figures.predicates import BACKLOG
from .templatetags.dashboard_ui import figure

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _days(request):
    return 90 if request.GET.get("days") == "90" else 30


def _resolve(request):
    try:
        return dashboard.resolve(request.user, request.GET.get("campaign"), request.GET.get("region"))
    except dashboard.OutOfScope:
        raise Http404 from None


def _headline_lists(campaign, region):
    """``{figure key: the list page of what it counts now}`` — a headline card opens the issues
    or tasks behind its number (this campaign, this region's subtree; the states are the
    figure's). Figures of a period (本周销号) and rates have no such list."""
    scope = [("campaign", campaign.pk), ("region", region.pk)]
    issues, tasks = reverse("inspections:issue_list"), reverse("tasks:ledger")
    return {
        "issues_in_hand": f"{issues}?{urlencode([*scope, *(('state', s) for s in BACKLOG['issues_in_hand'][0])])}",
        "issues_open": f"{issues}?{urlencode([*scope, *(('state', s) for s in BACKLOG['issues_open'][0])])}",
        "issues_overdue_open": f"{issues}?{urlencode([*scope, ('overdue', 'true')])}",
        "tasks_overdue": f"{tasks}?{urlencode([*scope, ('overdue', 'true')])}",
        "tasks_lagging": f"{tasks}?{urlencode([*scope, ('lagging', 'true')])}",
    }


@login_required
@require_GET
@reads_from_replica
def overview_page(request):
    if not dashboard.can_see_overview(request.user):
        units = dashboard.units_headed(request.user)
        if units:
            return redirect("dashboard:unit", pk=units[0].pk)
        raise Http404
    campaign, region = _resolve(request)
    days = _days(request)
    data = dashboard.overview(request.user, campaign, region, params={"days": days})
    scope = scope_for(request.user)
    leader = None
    if "leader" in scope.roles and not scope.sees_all:
        leader = dashboard.leader_extras(request.user, campaign)
    states = dict(IssueState.choices)
    lists = _headline_lists(campaign, region)
    context = {
        "slices_at": _slices_at(request.user, region),
        "data": data,
        # 待核查 and 长期整改 are off the rectification clock: the state says why a past deadline is not 超期.
        "negative_items": [
            {**i, "state_label": states.get(i["state"], i["state"])} for i in data["negative_list"]["items"][:10]
        ],
        "campaign": campaign,
        "region": region,
        "headline_items": [{**i, "list_url": lists.get(i["key"])} for i in data["headline"]["items"]],
        "days": days,
        "tops": dashboard.top_regions(request.user, campaign),
        "ranking_open": next((g["group"] for g in data["ranking"]["ranking"] if g["rows"]), None),
        "leader": leader,
        "trend_rows": list(
            zip(
                *(data["trend"][k] for k in ("days", "reported", "closed", "in_hand_end", "open_end", "overdue_end")),
                strict=True,
            )
        ),
        "chart_data": {
            "trend": data["trend"],
            "breakdown": data["breakdown"]["rows"],
            "categories": data["categories"]["rows"][:15],
            "severities": data["severities"]["rows"],
            "weak": data["weak_spots"]["rows"],
        },
    }
    return render(request, "reports/dashboard/overview.html", context)


def _slices_at(user, region):
    """For a community or grid: ``{"street": the street whose slice rows hold it, or None when out
    of the viewer's scope}`` — severities, categories and 短板 are kept per street
    (:func:`.stats.slice_region`), so the page says so instead of showing zeros beside the
    headline's counts. ``None`` for a street or above."""
    street = stats.slice_region(region)
    if street == region:
        return None
    return {"street": street if street is not None and scope_for(user).covers_path(street.path) else None}


@login_required
@require_GET
@reads_from_replica
def unit_page(request, pk):
    try:
        unit, data = dashboard.unit_for(request.user, pk, request.GET.get("campaign"))
    except dashboard.OutOfScope:
        raise Http404 from None
    backlog = data["backlog"]
    return render(
        request,
        "reports/dashboard/unit.html",
        {
            "data": data,
            "unit": unit,
            "chart_data": {"history": data["rank_history"], "backlog": backlog},
            "backlog_rows": list(
                zip(backlog["days"], backlog["in_hand_end"], backlog["overdue_end"], backlog["closed"], strict=True)
            )[::-1],
        },
    )


# --- .xlsx ---------------------------------------------------------------------------------------


def _sheet(wb, title, header, rows, *, rates=()):
    """``rates``: the columns holding :func:`_rate` values, shown with their one decimal (40.0, not 40)."""
    ws = wb.create_sheet(title[:31])
    append_row(ws, header, bold=True)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(ws, list(row))
        for column in rates:
            cell = ws.cell(row=ws.max_row, column=column + 1)
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.0"
    ws.freeze_panes = "A2"


def _rate(value, unit="%"):
    """A rate as the page shows it, one decimal (a number the reader can still sum and sort);
    anything else as it is."""
    shown = figure(value, unit)
    return Decimal(shown) if unit == "%" and shown is not None else value


def overview_workbook(data):
    """One sheet per chart or table of the overview, numbers and labels as shown; the first
    sheet says what it is: scope, data time, and each headline figure's definition."""
    wb = Workbook()
    wb.remove(wb.active)
    h = data["headline"]
    about = [
        (_("范围"), data["scope"]["name"]),
        (_("创建活动"), data["campaign"]["name"]),
        (_("数据时间"), when(data["as_of"])),
        (_("本周"), day_range(h["period"]["start"], h["period"]["end"])),
        (_("单位排名统计期"), day_range(data["ranking"]["period"]["start"], data["ranking"]["period"]["end"])),
    ]
    about += [(d["label"], join_clauses((d["formula"], d["counts"], d["period"]))) for d in h["definitions"].values()]
    _sheet(wb, _("说明"), [_("项目"), _("内容")], about)
    _sheet(
        wb,
        _("核心指标"),
        [_("指标"), _("本周"), _("上周同期"), _("变化")],
        [
            (i["label"], _rate(i["value"], i["unit"]), _rate(i["previous"], i["unit"]), _rate(i["change"], i["unit"]))
            for i in h["items"]
        ],
        rates=(1, 2, 3),
    )
    t = data["trend"]
    _sheet(
        wb,
        _("趋势"),
        [
            _("日期"),
            pgettext("issues counted", "登记"),
            _("销号"),
            _("在办（日末）"),
            _("未销号（日末）"),
            _("超期未改（日末）"),
        ],
        zip(
            map(day, t["days"]),
            t["reported"],
            t["closed"],
            t["in_hand_end"],
            t["open_end"],
            t["overdue_end"],
            strict=True,
        ),
    )
    counts = [
        _("在办"),
        _("超期未改"),
        _("未销号"),
        pgettext("issues counted", "登记"),
        _("销号"),
        _("应销号"),
        _("按期销号"),
        _("延期"),
    ]

    def count_row(r):
        return (
            r["in_hand_now"], r["overdue_now"], r["open_now"], r["reported"], r["closed"], r["due"],
            r["closed_on_time"], r["extended"],
        )  # fmt: skip

    _sheet(wb, _("分区"), [_("区划"), *counts], [(r["name"], *count_row(r)) for r in data["breakdown"]["rows"]])
    _sheet(wb, _("类别"), [_("类别"), *counts], [(r["name"], *count_row(r)) for r in data["categories"]["rows"]])
    _sheet(
        wb, _("严重程度"), [_("严重程度"), *counts], [(r["name"], *count_row(r)) for r in data["severities"]["rows"]]
    )
    flags = {"red": _("红旗"), "black": _("黑旗"), "": ""}
    ranking_rows = [
        (g["label"], r["rank"], r["name"], r["score"], flags[r["flag"]], _rate(r["on_time_rate"]),
         _rate(r["extension_rate"]), r["issues_overdue_open"])
        for g in data["ranking"]["ranking"]
        for r in g["rows"]
    ]  # fmt: skip
    ranking_rows += [
        (g["label"], None, r["name"], _("不参与排名（样本不足）"), "", None, None, None)
        for g in data["ranking"]["ranking"]
        for r in g["unranked"]
    ]
    _sheet(
        wb,
        _("单位排名"),
        [_("类别"), _("名次"), _("单位"), _("综合得分"), _("红黑旗"), _("按期销号率"), _("延期率"), _("超期未改")],
        ranking_rows,
        rates=(5, 6),
    )
    _sheet(
        wb,
        _("短板"),
        [_("编号"), _("指标"), _("分值"), _("负面清单"), _("未销号问题"), _("超期未改"), _("超期未完成任务"), _("预计失分")],
        [
            (r["code"], r["name"], r["max_score"], _("是") if r["negative_list"] else "", r["open_issues"],
             r["overdue_issues"], r["overdue_tasks"], r["projected_loss"])
            for r in data["weak_spots"]["rows"]
        ],
    )  # fmt: skip
    states = dict(IssueState.choices)
    _sheet(
        wb,
        _("负面清单"),
        ["ID", _("类别"), _("地址"), _("区划"), _("责任单位"), _("状态"), _("整改时限"), _("超期未改")],
        [
            (i["id"], i["category"], i["address"], i["region"], i["unit"], states.get(i["state"], i["state"]),
             when_short(i["deadline"]), _("是") if i["overdue"] else "")
            for i in data["negative_list"]["items"]
        ],
    )  # fmt: skip
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


@login_required
@require_GET
@reads_from_replica
def overview_xlsx(request):
    if not dashboard.can_see_overview(request.user):
        raise Http404
    campaign, region = _resolve(request)
    data = dashboard.overview(request.user, campaign, region, params={"days": _days(request)})
    name = f"{_('总览')}-{region.name}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(overview_workbook(data), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
