"""The public 随手拍 API (/api/v1/public/reports/): no account, no session.

- ``POST public/reports/`` (multipart): a citizen's report with 1–3 photos → 201 with the
  tracking code. Bad input is a 400 naming the field; nothing is written.
- ``GET public/reports/{code}/``: what the public may see of a report — the stage in citizen
  words, its dates, the reason when not accepted, links to the after-photos once closed. Never
  a person's name, a unit or a phone number.

Both are throttled per client address (:class:`CitizenThrottle`, rates ``citizen_report`` and
``citizen_track`` in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``); the report page shares the
report counter, so the page and the API together allow the same number of reports.
"""

import math
import re

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.campaigns.models import Campaign
from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import Region
from chuangcheng.throttling import ScopedRateThrottle

from ..models import IssueCategory
from ..services import citizen

# --- throttling ------------------------------------------------------------------------------------


class CitizenThrottle(ScopedRateThrottle):
    """Per client address (never per account: the public pages are the same for everyone),
    with rates like ``"5/10m"`` (DRF itself reads only the unit's first letter). Counted in this
    process while the cache is down (:mod:`chuangcheng.throttling`): never a 500."""

    UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

    def parse_rate(self, rate):
        if rate is None:
            return None, None
        num, period = rate.split("/")
        match = re.fullmatch(r"(\d*)\s*([smhd])\w*", period.strip())
        if not match:
            raise ValueError(f"unreadable throttle rate {rate!r}")
        return int(num), int(match.group(1) or 1) * self.UNITS[match.group(2)]

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def throttle_check(request, scope):
    """For the pages: ``None`` when ``request`` may go on under ``scope``, else the seconds to
    wait. Counts the request, as the API's throttle does."""
    throttle = CitizenThrottle()
    view = type("ThrottledPage", (), {"throttle_scope": scope})()
    if throttle.allow_request(request, view):
        return None
    return math.ceil(throttle.wait() or 1)


def throttled_message(scope, wait):
    minutes = max(1, math.ceil(wait / 60))
    if scope == "citizen_report":
        return _("提交过于频繁：同一网络在短时间内提交的随手拍已达上限，请 %(m)s 分钟后再试。") % {"m": minutes}
    return _("查询过于频繁，请 %(m)s 分钟后再试。") % {"m": minutes}


class ThrottledInChinese:
    def throttled(self, request, wait):
        raise exceptions.Throttled(wait, detail=throttled_message(self.throttle_scope, wait or 60))


# --- serializers --------------------------------------------------------------------------------------


class PublicRefusalSerializer(serializers.Serializer):
    """A refused call: 400 bad input (``field`` names it), 404 no such code, 429 too many."""

    detail = serializers.CharField(help_text=gettext_lazy("给提交人的说明。"))
    code = serializers.CharField(required=False, help_text="invalid / not_found")
    field = serializers.CharField(required=False, help_text=gettext_lazy("出错的输入项（400）。"))


class CitizenReportInputSerializer(serializers.Serializer):
    """Only the shape: the service checks the rules and words the refusals."""

    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.active(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("创建活动；只有一个进行中的活动时可省略。"),
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=IssueCategory.objects.filter(is_active=True), help_text=gettext_lazy("问题类别")
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=citizen.MAX_DESCRIPTION, help_text=gettext_lazy("问题描述")
    )
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        allow_empty=True,
        help_text=gettext_lazy("现场照片 1–3 张（JPEG、PNG、WebP 或 HEIC）"),
    )
    latitude = serializers.FloatField(required=False, allow_null=True, help_text=gettext_lazy("纬度（WGS-84）"))
    longitude = serializers.FloatField(required=False, allow_null=True, help_text=gettext_lazy("经度（WGS-84）"))
    address = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text=gettext_lazy("地址"))
    phone = serializers.CharField(
        required=False, allow_blank=True, max_length=30, help_text=gettext_lazy("联系电话（选填，仅供回访，不公开）")
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("所在区县或街道；不填则按定位推断"),
    )


class CitizenReportCreatedSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=gettext_lazy("查询码（10 位，不含 0、O、1、I）"))
    display_code = serializers.CharField(help_text=gettext_lazy("便于抄写的形式：ABCDE-FGHJK"))
    status_url = serializers.URLField(help_text=gettext_lazy("查询进度的 API 地址"))
    page_url = serializers.URLField(help_text=gettext_lazy("查询进度的网页地址"))


class StageSerializer(serializers.Serializer):
    label = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True, help_text=gettext_lazy("到达该环节的时间；未到达为 null"))


class CitizenStatusSerializer(serializers.Serializer):
    code = serializers.CharField()
    display_code = serializers.CharField()
    state = serializers.ChoiceField(
        choices=["received", "processing", "closed", "dismissed"],
        help_text=gettext_lazy("received 已受理 / processing 处理中 / closed 已办结 / dismissed 不予受理"),
    )
    state_label = serializers.CharField()
    category = serializers.CharField()
    address = serializers.CharField()
    reported_at = serializers.DateTimeField()
    stages = StageSerializer(many=True)
    reason = serializers.CharField(help_text=gettext_lazy("不予受理的理由"))
    note = serializers.CharField(help_text=gettext_lazy("补充说明（如已与同一问题合并办理）"))
    after_photos = serializers.SerializerMethodField(help_text=gettext_lazy("办结后整改照片缩略图的地址"))

    def get_after_photos(self, status_obj) -> list[str]:
        request = self.context["request"]
        return [
            request.build_absolute_uri(reverse("report:photo", args=[status_obj.code, photo_id]))
            for photo_id in status_obj.after_photo_ids
        ]


# --- views ------------------------------------------------------------------------------------------------


class PublicAPIView(ThrottledInChinese, APIView):
    authentication_classes = []  # anonymous by design: no session, so no CSRF and no account
    permission_classes = [AllowAny]
    throttle_classes = [CitizenThrottle]


class CitizenReportCreateView(PublicAPIView):
    throttle_scope = "citizen_report"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["public"],
        summary="随手拍：市民反映问题（无需登录）",
        request=CitizenReportInputSerializer,
        responses={
            201: CitizenReportCreatedSerializer,
            400: OpenApiResponse(PublicRefusalSerializer, description=gettext_lazy("输入有误：field 指出哪一项。")),
            429: OpenApiResponse(PublicRefusalSerializer, description=gettext_lazy("提交过于频繁。")),
        },
    )
    def post(self, request):
        serializer = CitizenReportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign = data.get("campaign") or _single_active_campaign()
        issue = citizen.citizen_report_create(
            campaign=campaign,
            category=data["category"],
            description=data.get("description", ""),
            photos=data.get("photos", []),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            address=data.get("address", ""),
            phone=data.get("phone", ""),
            region=data.get("region"),
        )
        code = issue.tracking_code
        body = {
            "code": code,
            "display_code": citizen.tracking_code_display(code),
            "status_url": request.build_absolute_uri(reverse("api-public-report", args=[code])),
            "page_url": request.build_absolute_uri(f"{reverse('report:track')}?code={code}"),
        }
        return Response(CitizenReportCreatedSerializer(body).data, status=status.HTTP_201_CREATED)


def _single_active_campaign():
    campaigns = list(Campaign.objects.active()[:2])
    if len(campaigns) != 1:
        raise ApplicationError(_("请选择正在进行的创建活动。"), field="campaign")
    return campaigns[0]


class CitizenReportStatusView(PublicAPIView):
    throttle_scope = "citizen_track"

    @extend_schema(
        tags=["public"],
        summary="随手拍：按查询码查看办理进度（无需登录）",
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, description=gettext_lazy("查询码"))],
        responses={
            200: CitizenStatusSerializer,
            404: OpenApiResponse(PublicRefusalSerializer, description=gettext_lazy("查询码不存在。")),
            429: OpenApiResponse(PublicRefusalSerializer, description=gettext_lazy("查询过于频繁。")),
        },
    )
    def get(self, request, code):
        status_obj = citizen.citizen_report_status(code)
        data = CitizenStatusSerializer(status_obj, context={"request": request}).data
        return Response(data)
