"""上级反馈: a list of problems the province or the national 暗访组 sends down (暗访反馈问题清单),
imported as one :class:`~inspections.models.Inspection` of kind 上级反馈 with its issues.

The list arrives as an .xlsx (often with a photo embedded on each row) or as a Word table:
序号, 问题描述, 点位/地址, 所属区域, 问题类别, 反馈日期, 整改时限, and sometimes 责任单位. Each row
is matched — region by name or path, category by name or code, 点位 by name within the region,
the unit as given or as the issue page would suggest it (the site's unit, the category's
department, 属地兜底) — and shown in a preview; confirmed, the inspection keeps the source file
(through the storage API) and every issue is recorded with its photos and, in the same step,
dispatched to its unit with the given deadline. The 整改情况报告 goes back up in the received
order (:mod:`inspections.feedback_report`).
"""

import base64
import datetime as dt
import difflib
import io
import re
from dataclasses import dataclass, field

import filetype
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, UnidentifiedImageError

from chuangcheng.exceptions import ApplicationError
from chuangcheng.officedates import parse_date, parse_deadline
from chuangcheng.org.matching import RegionMatcher, UnitMatcher, closest
from chuangcheng.org.models import Region, Site
from chuangcheng.org.workcalendar import WorkingCalendar, deadline_after
from chuangcheng.tabular import ImportErrors, read_table
from chuangcheng.wording import join_clauses, join_list, working_days

from . import permissions
from .models import InspectionKind, IssueCategory, IssueSource
from .selectors import suggest_responsible_unit
from .services import inspection_create, issue_create

COLUMNS = {
    "number": ["序号", "编号", "number"],
    "description": ["问题描述", "问题", "存在问题", "问题内容", "description"],
    "place": ["点位/地址", "点位", "地址", "问题地点", "具体位置", "位置", "place"],
    "region": ["所属区域", "区域", "所属区县", "县（市、区）", "区县", "所属辖区", "region"],
    "category": ["问题类别", "类别", "问题类型", "category"],
    "date": ["反馈日期", "发现日期", "暗访日期", "检查日期", "date"],
    "deadline": ["整改时限", "整改期限", "完成时限", "deadline"],
    "unit": ["责任单位", "整改单位", "unit"],
    "photo": ["问题照片", "照片", "图片", "photo"],
}
REQUIRED = ["description", "region"]
_WORKING_DAYS = re.compile(r"^(\d{1,3})个?工作日内?$")
_WORKING_HOURS = re.compile(r"^(\d{1,3})个?(?:工作)?小时内?$")
THUMB_EDGE = 96
PHOTO_TYPES = {"jpg", "png", "webp", "heic"}


@dataclass
class PlannedIssue:
    line: int
    number: str
    description: str
    region: object
    category: object
    site: object
    address: str
    date: dt.date | None
    deadline_text: str
    deadline: dt.datetime | None
    deadline_label: str
    unit: object
    unit_how: str
    photos: list = field(default_factory=list)  # bytes

    @property
    def thumbnails(self):
        """Small data: URIs of the row's photos, for the preview (nothing is stored yet)."""
        out = []
        for data in self.photos:
            try:
                image = Image.open(io.BytesIO(data))
                image.thumbnail((THUMB_EDGE, THUMB_EDGE))
                buffer = io.BytesIO()
                image.convert("RGB").save(buffer, format="JPEG", quality=70)
            except (UnidentifiedImageError, OSError, ValueError):
                continue
            out.append("data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode())
        return out

    @property
    def unit_how_label(self):
        return {
            "given": _("清单所列"),
            "site": _("点位责任单位"),
            "suggested": _("按类别与属地推荐"),
        }.get(self.unit_how, "")


@dataclass
class FeedbackPlan:
    rows: list = field(default_factory=list)
    inspection_date: dt.date | None = None

    @property
    def photo_count(self):
        return sum(len(r.photos) for r in self.rows)

    def summary(self):
        return _("共 %(n)s 个问题、%(p)s 张照片；确认后建立一次“上级反馈”检查并交办到 %(u)s 个责任单位。") % {
            "n": len(self.rows),
            "p": self.photo_count,
            "u": len({r.unit.pk for r in self.rows if r.unit is not None}),
        }


class _Categories:
    def __init__(self):
        self.all = list(IssueCategory.objects.filter(is_active=True).order_by("code"))
        self.by_name, self.by_code = {}, {c.code: c for c in self.all}
        for c in self.all:
            self.by_name.setdefault(c.name, c)

    def resolve(self, text, problems):
        if text in self.by_name:
            return self.by_name[text]
        if text in self.by_code:
            return self.by_code[text]
        contained = [c for c in self.all if text and (text in c.name or c.name in text)]
        if len({c.name for c in contained}) == 1:
            return contained[0]
        close = difflib.get_close_matches(text, list(self.by_name), n=3, cutoff=0.4)
        close = list(dict.fromkeys([c.name for c in contained][:3] + close))[:3]
        problems.append(
            _("问题类别“%(c)s”找不到，最接近的是：%(close)s")
            % {"c": text, "close": join_list(close) or _("（无相近类别）")}
        )
        return None


def _deadline(text, now, problems):
    """整改时限 → (aware datetime or None, how it was read)."""
    text = (text or "").strip()
    if not text:
        return None, _("签收时按类别时限计算")
    compact = text.replace(" ", "")
    match = _WORKING_DAYS.match(compact)
    if match:
        n = int(match.group(1))
        return deadline_after(now, days=n), working_days(n)
    match = _WORKING_HOURS.match(compact)
    if match:
        n = int(match.group(1))
        return deadline_after(now, hours=n), ngettext("%(n)s 个工作时", "%(n)s 个工作时", n) % {"n": match.group(1)}
    today = timezone.localdate(now)
    found = parse_deadline(text, reference=today, campaign_end=None, immediate=today)
    if found.how == "immediate":
        return deadline_after(now, same_day=True), _("立行立改：当天下班前")
    if found.how == "ongoing" or found.date is None:
        problems.append(_("整改时限“%(d)s”无法识别（可写 2027-01-15、1月15日前、3个工作日、立行立改）") % {"d": text})
        return None, ""
    end = WorkingCalendar(overrides={}).periods[-1][1]
    moment = timezone.make_aware(dt.datetime.combine(found.date, end))
    if moment <= now:
        problems.append(_("整改时限 %(d)s 已过") % {"d": found.date})
        return None, ""
    return moment, _("当天下班前")


def _date(text):
    return parse_date(text) if text else None


def common_region(regions, fallback):
    """The lowest region containing all ``regions`` (their paths' longest common prefix)."""
    paths = [r.path for r in regions]
    if not paths:
        return fallback
    ids = [p.strip("/").split("/") for p in paths]
    shared = []
    for parts in zip(*ids, strict=False):
        if len(set(parts)) != 1:
            break
        shared.append(parts[0])
    by_path = {r.path: r for r in regions}
    path = "/" + "/".join(shared) + "/" if shared else fallback.path
    return by_path.get(path) or Region.objects.filter(path=path).first() or fallback


def plan_feedback(source, *, campaign, filename=None, now=None):
    """Parse and match every row of a feedback list; raise :class:`ImportErrors` with every bad row."""
    now = now or timezone.now()
    table = read_table(source, columns=COLUMNS, required=REQUIRED, filename=filename)
    regions, units, categories = RegionMatcher(campaign.region), UnitMatcher(campaign.region), _Categories()
    sites = {}
    for site in Site.objects.filter(is_active=True, region__path__startswith=campaign.region.path).select_related(
        "responsible_unit", "region"
    ):
        sites.setdefault(site.name, []).append(site)
    plan, errors = FeedbackPlan(), []
    for row in table:
        problems = []
        description = row.get("description")
        if not description:
            problems.append(_("缺少问题描述"))
        region = regions.resolve(row.get("region"), problems, column=_("所属区域")) if row.get("region") else None
        if not row.get("region"):
            problems.append(_("缺少所属区域"))
        category = categories.resolve(row.get("category"), problems) if row.get("category") else None
        if not row.get("category"):
            problems.append(_("缺少问题类别"))
        place = row.get("place")
        site = None
        if region is not None and place in sites:
            inside = [s for s in sites[place] if s.region.path.startswith(region.path)]
            site = inside[0] if len(inside) == 1 else None
        if site is not None:
            region = site.region
        date = _date(row.get("date"))
        if row.get("date") and date is None:
            problems.append(_("反馈日期“%(d)s”无法识别") % {"d": row.get("date")})
        deadline, deadline_label = _deadline(row.get("deadline"), now, problems)
        for data in row.images:
            kind = filetype.guess(data[:8192])
            if kind is None or kind.extension not in PHOTO_TYPES:
                problems.append(_("本行的一张图片不是照片格式（只接受 JPEG、PNG、WebP 或 HEIC），请另存后重新插入"))
                break
        unit, how = None, ""
        if row.get("unit"):
            match = units.resolve(row.get("unit"))
            if match.ok and match.unit is not None:
                unit, how = match.unit, "given"
            else:
                problems.append(
                    _("责任单位“%(u)s”找不到，%(closest)s")
                    % {"u": row.get("unit"), "closest": closest(match.suggestions or match.units)}
                )
        elif region is not None and category is not None:
            unit = suggest_responsible_unit(region, category, site=site)
            how = "site" if site is not None else "suggested"
            if unit is None:
                problems.append(_("找不到“%(r)s”的属地单位，请在清单中填写责任单位") % {"r": region.name})
        if problems:
            errors.append((row.line, join_clauses(problems)))
            continue
        plan.rows.append(
            PlannedIssue(
                line=row.line,
                number=row.get("number"),
                description=description,
                region=region,
                category=category,
                site=site,
                address=place if site is None else site.address or place,
                date=date,
                deadline_text=row.get("deadline"),
                deadline=deadline,
                deadline_label=deadline_label,
                unit=unit,
                unit_how=how,
                photos=list(row.images),
            )
        )
    if errors:
        raise ImportErrors(errors)
    dates = [r.date for r in plan.rows if r.date]
    plan.inspection_date = min(dates) if dates else timezone.localdate(now)
    return plan


def _photo_uploads(row):
    uploads = []
    for index, data in enumerate(row.photos, start=1):
        kind = filetype.guess(data)
        extension = kind.extension if kind is not None else "jpg"
        uploads.append(
            SimpleUploadedFile(
                f"反馈{row.number or row.line}-{index}.{extension}", data, content_type=kind.mime if kind else ""
            )
        )
    return uploads


def feedback_import(
    source, *, actor, campaign, filename, summary="", dispatch=True, dry_run=False, data=None, progress=None, now=None
):
    """Check every row, then (unless ``dry_run``) create the 上级反馈 inspection with the source
    file and its issues — dispatched to their units when ``dispatch`` — in one transaction."""
    if not permissions.can_import_feedback(actor):
        raise ImportErrors([(None, _("只有督查员和系统管理员可以导入上级反馈问题清单。"))])
    plan = plan_feedback(source, campaign=campaign, filename=filename, now=now)
    if dry_run:
        return plan, None
    content = data if data is not None else (source.read_bytes() if hasattr(source, "read_bytes") else bytes(source))
    try:
        with transaction.atomic():
            inspection = inspection_create(
                actor=actor,
                campaign=campaign,
                kind=InspectionKind.HIGHER_FEEDBACK,
                date=plan.inspection_date,
                region=common_region([r.region for r in plan.rows], campaign.region),
                summary=summary or _("上级反馈问题清单：%(f)s") % {"f": filename},
            )
            inspection.source_document.save(_stored_name(filename), ContentFile(content), save=False)
            inspection.source_name = filename[:200]
            inspection.save(update_fields=["source_document", "source_name"])
            for order, row in enumerate(plan.rows, start=1):
                issue_create(
                    actor=actor,
                    campaign=campaign,
                    category=row.category,
                    description=row.description,
                    region=row.region,
                    source=IssueSource.HIGHER,
                    inspection=inspection,
                    site=row.site,
                    address=row.address,
                    photos=_photo_uploads(row),
                    responsible_unit=row.unit if dispatch else None,
                    deadline=row.deadline if dispatch else None,
                    feedback_number=row.number,
                    feedback_order=order,
                )
                if progress is not None:
                    progress(order, len(plan.rows))
    except ApplicationError as error:
        raise ImportErrors([(None, error.message)]) from None
    return plan, inspection


def _stored_name(filename):
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"feedback-{timezone.now():%Y%m%d%H%M%S}.{suffix[:5]}"
