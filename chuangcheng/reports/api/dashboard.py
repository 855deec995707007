"""/api/v1/dashboard/: the dashboards' figures as JSON, for the charts and for integrations (大屏).

- ``GET dashboard/?campaign=&region=&days=30|90`` — the whole overview of a region;
- ``GET dashboard/<section>/`` — one section (headline, trend, breakdown, categories,
  severities, ranking, weak_spots, negative_list); ``ranking`` takes ``start``/``end``
  (YYYY-MM-DD, inclusive) and then answers exactly what the briefing of that period snapshots;
- ``GET dashboard/leader/`` — the escalations and tasks of the signed-in leader;
- ``GET dashboard/units/<id>/`` — a unit against comparable units, its overdue items, its ranks.

Out of scope (a region or unit the viewer may not see) is a 404, like a missing one; people
without a supervisor, leader or admin role get 403 from the overview.
"""

import datetime as dt

from django.http import Http404
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.dbrouting import reads_from_replica

from .. import dashboard

PARAMS = [
    OpenApiParameter("campaign", int, description="创建活动 ID，默认最近的进行中活动"),
    OpenApiParameter("region", int, description="区划 ID（下钻），默认可见的最高一级"),
    OpenApiParameter("days", int, description="趋势与分布的天数：30 或 90"),
]


def dashboard_params(query):
    """``{days, period}`` from the query string; bad values are a 400."""
    params = {}
    days = query.get("days")
    if days:
        if days not in ("30", "90"):
            raise ValidationError({"days": _("天数只能是 30 或 90（收到“%(v)s”）。") % {"v": days[:20]}})
        params["days"] = int(days)
    start, end = query.get("start"), query.get("end")
    if start or end:
        try:
            period = (dt.date.fromisoformat(start or ""), dt.date.fromisoformat(end or ""))
        except ValueError:
            message = _("请同时给出开始和结束日期，格式为 YYYY-MM-DD，如 2026-03-02。")
            raise ValidationError({"start": message, "end": message}) from None
        if period[1] < period[0] or (period[1] - period[0]).days > 366:
            raise ValidationError({"end": _("结束日期不能早于开始日期，统计期最长一年。")})
        params["period"] = period
    return params


def resolve(request):
    """(campaign, region) the viewer asked for and may see; 403/404 otherwise."""
    if not dashboard.can_see_overview(request.user):
        raise PermissionDenied
    try:
        return dashboard.resolve(request.user, request.query_params.get("campaign"), request.query_params.get("region"))
    except dashboard.OutOfScope:
        raise Http404 from None


class DashboardView(APIView):
    """总览: every section of the overview of one region."""

    @extend_schema(
        tags=["dashboard"],
        summary="总览（全部板块）",
        operation_id="dashboard_overview",
        parameters=PARAMS,
        responses={200: dict},
    )
    @method_decorator(reads_from_replica)
    def get(self, request):
        campaign, region = resolve(request)
        params = dashboard_params(request.query_params)
        return Response(dashboard.overview(request.user, campaign, region, params=params))


class DashboardSectionView(APIView):
    """One section of the overview (same shape as in the whole overview)."""

    @extend_schema(
        tags=["dashboard"],
        summary="总览的一个板块",
        operation_id="dashboard_section",
        parameters=PARAMS,
        responses={200: dict},
    )
    @method_decorator(reads_from_replica)
    def get(self, request, section):
        if section not in dashboard.SECTIONS:
            raise Http404
        campaign, region = resolve(request)
        params = dashboard_params(request.query_params)
        data = dashboard.overview(request.user, campaign, region, sections=[section], params=params)
        return Response(data)


class LeaderDashboardView(APIView):
    """领导视图: escalations to the signed-in leader and the tasks assigned to them."""

    @extend_schema(
        tags=["dashboard"],
        summary="领导视图：督办提醒和包保任务",
        operation_id="dashboard_leader",
        responses={200: dict},
    )
    @method_decorator(reads_from_replica)
    def get(self, request):
        campaign, _region = resolve(request)
        regions = dashboard.top_regions(request.user, campaign)
        return Response(
            {
                "regions": [{"id": r.pk, "name": r.name} for r in regions],
                **dashboard.leader_extras(request.user, campaign),
            }
        )


class UnitDashboardView(APIView):
    """单位视图: a unit against comparable units, its overdue items and its rank history."""

    @extend_schema(tags=["dashboard"], summary="单位视图", operation_id="dashboard_unit", responses={200: dict})
    @method_decorator(reads_from_replica)
    def get(self, request, pk):
        try:
            return Response(dashboard.unit_for(request.user, pk, request.query_params.get("campaign"))[1])
        except dashboard.OutOfScope:
            raise Http404 from None
