"""随手拍: citizens report problems without an account, and follow them with a tracking code.

A report lands as an issue in ``reported`` (待受理), source 随手拍, recorded by nobody
(``created_by`` and the event's actor are empty): a supervisor accepts, merges or dismisses it
like any other. What the public may later see is :func:`citizen_report_status` — the stage in
citizen words and its dates, never a person's name or a phone number.

Where the problem is: the region the reporter picks, else the one inferred from the location
(the nearest 测评点位, or the nearest issue of the same category, within
:data:`INFER_RADIUS_M`), always inside the campaign's territory.
"""

import re
import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.campaigns.models import CampaignStatus
from chuangcheng.exceptions import ApplicationError
from chuangcheng.notifications.services import notice_send
from chuangcheng.org.models import Membership, Region, RegionLevel, Role, Site, User
from chuangcheng.servicekit import clean_text

from .. import geo, tally
from ..models import (
    Issue,
    IssueAction,
    IssueCategory,
    IssueEvent,
    IssueSource,
    IssueState,
    Photo,
    PhotoKind,
)
from ..selectors import recurrence_candidate
from .common import issue_url, processed_photos, store_photos, write_event

# Tracking codes: no 0/O/1/I, so a code read over the phone or copied by hand survives.
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10  # 32**10 ≈ 10**15: not guessable, short enough to type
MAX_PHOTOS = 3
MAX_DESCRIPTION = 1000
INFER_RADIUS_M = 1000

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^(0\d{2,3}-?)?[2-9]\d{6,7}(-\d{1,6})?$")

# What a passer-by can judge: the campaign categories and the street-level 数字城管 classes.
# When none of these exist (a city with its own list), every active category is offered.
PUBLIC_CATEGORY_CODES = [
    "200102",  # 暴露垃圾 (数字城管; the campaign's CC05 when the city has no such class)
    "CC05",  # 暴露垃圾
    "CC04",  # 占道经营
    "CC03",  # 门前三包
    "CC01",  # 公益广告
    "CC02",  # 病媒生物
    "CC06",  # 绿地养护
    "200103",  # 积存垃圾渣土
    "200104",  # 道路保洁
    "200106",  # 绿地保洁
    "200111",  # 道路积水
    "200141",  # 油烟污染
    "200201",  # 非法张贴小广告
    "200302",  # 工地扬尘
    "200304",  # 道路遗撒
    "200501",  # 无照经营游商
    "200504",  # 店外经营
    "200505",  # 机动车乱停放
    "200506",  # 非机动车乱停放
    "200507",  # 乱堆物堆料
    "200510",  # 露天烧烤
    "200598",  # 占压盲道
    "200599",  # 其它街面秩序问题
]


def public_categories():
    """The categories a citizen may choose from (see :data:`PUBLIC_CATEGORY_CODES`)."""
    active = IssueCategory.objects.filter(is_active=True)
    chosen = active.filter(code__in=PUBLIC_CATEGORY_CODES)
    if chosen.exists():
        order = {code: i for i, code in enumerate(PUBLIC_CATEGORY_CODES)}
        return sorted(chosen, key=lambda c: order[c.code])
    return list(active.order_by("kind", "major", "code"))


def public_regions(campaign):
    """Districts and streets of the campaign's territory, for the form's select."""
    return list(
        Region.objects.subtree(campaign.region)
        .filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWN])
        .order_by("path")
    )


# --- input -----------------------------------------------------------------------------------------


def tracking_code_normalize(value):
    """What a person typed → the stored form: upper case, separators and spaces dropped."""
    return re.sub(r"[^0-9A-Z]", "", (value or "").upper())


def tracking_code_display(code):
    """``ABCDE-FGHJK``: two groups of five read easier."""
    return f"{code[:5]}-{code[5:]}" if len(code) == TRACKING_LENGTH else code


def _new_tracking_code():
    while True:
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(TRACKING_LENGTH))
        if not Issue.objects.filter(tracking_code=code).exists():
            return code


def check_phone(value):
    """Optional; a Chinese mobile (1[3-9] + 9 digits) or a landline (区号-号码[-分机])."""
    phone = re.sub(r"[\s()（）]", "", value or "")
    if not phone:
        return ""
    if phone.startswith("+86"):
        phone = phone[3:]
    elif len(phone) == 13 and phone.startswith("86"):
        phone = phone[2:]
    if MOBILE.match(phone) or LANDLINE.match(phone):
        return phone
    raise ApplicationError(
        _("联系电话“%(p)s”格式不正确：请填写 11 位手机号，或带区号的固定电话（如 0371-12345678）。") % {"p": value},
        field="phone",
    )


def _check_campaign(campaign):
    if campaign is None or campaign.status != CampaignStatus.ACTIVE:
        raise ApplicationError(_("请选择正在进行的创建活动。"), field="campaign")


def _check_category(category):
    if category is None or category.pk not in {c.pk for c in public_categories()}:
        raise ApplicationError(_("请选择问题类别。"), field="category")


def infer_region(campaign, category, latitude, longitude):
    """The region of the nearest 测评点位 or issue of the same category within
    :data:`INFER_RADIUS_M`, inside the campaign's territory; None when there is none."""
    if latitude is None:
        return None
    prefix = campaign.region.path
    sites = Site.objects.filter(is_active=True, region__path__startswith=prefix).select_related("region")
    issues = Issue.objects.filter(category=category, region__path__startswith=prefix).select_related("region")
    found = [
        *geo.within(sites, latitude, longitude, INFER_RADIUS_M),
        *geo.within(issues, latitude, longitude, INFER_RADIUS_M),
    ]
    if not found:
        return None
    # The nearest; on a tie the deeper region (a community before its street).
    nearest = min(found, key=lambda pair: (round(pair[1]), -len(pair[0].region.path)))
    return nearest[0].region


def _check_region(campaign, region):
    if not region.path.startswith(campaign.region.path):
        raise ApplicationError(
            _("“%(r)s”不在创建活动“%(c)s”的区域内。") % {"r": region.name, "c": campaign.name}, field="region"
        )


# --- who hears about it ------------------------------------------------------------------------------


def region_supervisors(region):
    """Active supervisors whose scope (``scope_region``, else their unit's region) covers ``region``."""
    rows = Membership.objects.filter(role=Role.SUPERVISOR, unit__is_active=True, user__is_active=True).values_list(
        "user_id", "scope_region__path", "unit__region__path"
    )
    ids = {user_id for user_id, scope, home in rows if region.path.startswith(scope or home)}
    return User.objects.filter(pk__in=ids).order_by("pk")


# --- the report -------------------------------------------------------------------------------------


@transaction.atomic
def citizen_report_create(
    *,
    campaign,
    category,
    description,
    photos,
    latitude=None,
    longitude=None,
    address="",
    phone="",
    region=None,
):
    """随手拍: a citizen's report → an issue in 待受理 with a tracking code, its photos and a
    create event by nobody; the supervisors of its region are told. Everything is checked
    before anything is written."""
    _check_campaign(campaign)
    _check_category(category)
    description = clean_text(description, "description", _("请描述您看到的问题。"))
    if len(description) > MAX_DESCRIPTION:
        raise ApplicationError(_("问题描述请控制在 %(n)s 字以内。") % {"n": MAX_DESCRIPTION}, field="description")
    uploads = [p for p in photos or [] if p]
    if not uploads:
        raise ApplicationError(_("请至少拍摄或上传一张现场照片。"), field="photos")
    if len(uploads) > MAX_PHOTOS:
        raise ApplicationError(_("最多上传 %(n)s 张照片。") % {"n": MAX_PHOTOS}, field="photos")
    phone = check_phone(phone)
    latitude, longitude = geo.check_location(campaign, latitude, longitude)
    address = (address or "").strip()[:200]
    if region is not None:
        _check_region(campaign, region)
    else:
        region = infer_region(campaign, category, latitude, longitude)
        if region is None:
            message = (
                _("无法根据定位确定问题所在街道，请选择所在街道。")
                if latitude is not None
                else _("请允许定位，或选择问题所在街道。")
            )
            raise ApplicationError(message, field="region")
    if latitude is None and not address:
        raise ApplicationError(_("请填写问题地址，或点击“获取当前位置”。"), field="address")
    processed = processed_photos(uploads)
    now = timezone.now()
    issue = Issue.objects.create(
        campaign=campaign,
        source=IssueSource.CITIZEN,
        category=category,
        description=description,
        address=address,
        latitude=latitude,
        longitude=longitude,
        region=region,
        reporter_phone=phone,
        tracking_code=_new_tracking_code(),
        possible_recurrence_of=recurrence_candidate(
            category_id=category.pk, latitude=latitude, longitude=longitude, now=now
        ),
        created_by=None,
        created_at=now,
    )
    tally.created(issue)
    event = write_event(issue, None, IssueAction.CREATE, to_state=IssueState.REPORTED, changes={"source": "citizen"})
    store_photos(issue, event, None, processed, PhotoKind.BEFORE)
    notice_send(
        recipients=region_supervisors(region),
        title=_("新随手拍：#%(id)s %(c)s（%(r)s）") % {"id": issue.pk, "c": category.name, "r": region.name},
        body=description,
        url=issue_url(issue),
        kind="issue",
    )
    return issue


# --- what the public may see ------------------------------------------------------------------------

CITIZEN_STATES = {
    IssueState.REPORTED: "received",
    IssueState.ASSIGNED: "processing",
    IssueState.RECTIFYING: "processing",
    IssueState.SUBMITTED: "processing",
    IssueState.LONG_TERM: "processing",
    IssueState.CLOSED: "closed",
    IssueState.DISMISSED: "dismissed",
}


def citizen_state_labels():
    return {
        "received": _("已受理"),
        "processing": _("处理中"),
        "closed": _("已办结"),
        "dismissed": _("不予受理"),
    }


@dataclass
class Stage:
    label: str
    at: object = None  # an aware datetime, or None while not reached
    current: bool = False  # the last stage reached


@dataclass
class CitizenStatus:
    """A report as the public sees it: no person, unit or phone number in here."""

    code: str
    state: str  # received, processing, closed, dismissed
    state_label: str
    category: str
    address: str
    reported_at: object
    stages: list = field(default_factory=list)
    reason: str = ""
    note: str = ""
    after_photo_ids: list = field(default_factory=list)

    @property
    def display_code(self):
        return tracking_code_display(self.code)


def citizen_report_status(code):
    """The status of the report with this tracking code (any case, with or without the dash),
    or an ApplicationError ``not_found``. A report merged into another issue follows it."""
    normalized = tracking_code_normalize(code)
    report = (
        Issue.objects.filter(source=IssueSource.CITIZEN, tracking_code=normalized).select_related("category").first()
        if len(normalized) == TRACKING_LENGTH
        else None
    )
    if report is None:
        raise ApplicationError(
            _("没有找到查询码为“%(c)s”的随手拍，请核对后重新输入。") % {"c": (code or "").strip()[:20]},
            code="not_found",
            field="code",
        )
    issue, note, merged_at = report, "", None
    if report.merged_into_id:
        issue = Issue.objects.get(pk=report.merged_into_id)
        note = _("您反映的问题与他人反映的同一问题合并办理，以下为合并后的办理进度。")
        merge = IssueEvent.objects.filter(issue=report, action=IssueAction.MERGE).order_by("-created_at").first()
        merged_at = merge.created_at if merge else report.updated_at
    state = CITIZEN_STATES[issue.state]
    dismissed_at = None
    if issue.state == IssueState.DISMISSED:
        dismissed_at = (
            IssueEvent.objects.filter(issue=issue, to_state=IssueState.DISMISSED).order_by("-created_at").first()
        )
        dismissed_at = dismissed_at.created_at if dismissed_at else issue.updated_at
    stages = [Stage(_("已提交"), report.created_at)]
    if issue.state == IssueState.DISMISSED:
        stages.append(Stage(_("不予受理"), dismissed_at))
    else:
        stages += [
            Stage(_("已立案，交责任单位办理"), issue.assigned_at),
            Stage(_("责任单位整改中"), issue.signed_at),
            Stage(_("已办结"), issue.closed_at),
        ]
    if merged_at is not None:  # the joined issue may have been sent out before this report came in
        for stage in stages[1:]:
            stage.at = stage.at and max(stage.at, merged_at)
    reached = [stage for stage in stages if stage.at]
    reached[-1].current = True
    after = []
    if issue.state == IssueState.CLOSED:
        after = list(
            Photo.objects.filter(issue=issue, kind=PhotoKind.AFTER).order_by("id").values_list("id", flat=True)[:6]
        )
    return CitizenStatus(
        code=report.tracking_code,
        state=state,
        state_label=citizen_state_labels()[state],
        category=report.category.name,
        address=report.address,
        reported_at=report.created_at,
        stages=stages,
        reason=issue.dismiss_reason if issue.state == IssueState.DISMISSED and not report.merged_into_id else "",
        note=note,
        after_photo_ids=after,
    )


def citizen_report_photo(code, photo_id):
    """The after-photo ``photo_id`` of a closed report (or the issue it was merged into), for
    the public status page; else ApplicationError ``not_found``."""
    status = citizen_report_status(code)
    if photo_id not in status.after_photo_ids:
        raise ApplicationError(_("照片不存在。"), code="not_found")
    return Photo.objects.get(pk=photo_id)
