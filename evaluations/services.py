"""Every write of 模拟测评 and 举一反三: plan a round (draw its sites), start and close it, answer
a site's checklist, turn its failures into issues, start a sweep and answer its sites.

Each is one transaction that checks the role, the scope and the state first; a refusal is an
:class:`ApplicationError` naming the field (or the check item) and nothing is written.
"""

import datetime as dt
import random
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.campaigns.models import CampaignStatus
from chuangcheng.exceptions import ApplicationError
from chuangcheng.notifications.services import notice_send, unit_people
from chuangcheng.org.models import Region, RegionLevel, Site, SiteType
from chuangcheng.uploads import stored_name
from inspections import geo
from inspections.models import InspectionKind, IssueSource, Severity
from inspections.permissions import can_create_inspection, supervises_path
from inspections.photos import process_photo
from inspections.services import inspection_create, issue_create

from . import permissions, sampling
from .models import (
    Answer,
    CheckItem,
    Result,
    Round,
    RoundSite,
    RoundState,
    Sweep,
    SweepResult,
    SweepSite,
)

MAX_QUOTA = 50

TRANSITIONS = {
    # state → (action, next state)
    RoundState.PLANNED: {"start": RoundState.IN_PROGRESS, "close": RoundState.CLOSED},
    RoundState.IN_PROGRESS: {"close": RoundState.CLOSED},
    RoundState.CLOSED: {},
}


def _forbid(message):
    raise ApplicationError(message, code="forbidden")


def district_of(region, districts):
    """The district (区县) among ``districts`` whose subtree holds ``region``, or None."""
    for d in districts:
        if region.path.startswith(d.path):
            return d
    return None


def round_districts(region):
    """The districts a round over ``region`` samples per: its 区县 (a city), or itself."""
    if region.level in (RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.GRID):
        return [region]
    return list(Region.objects.filter(level=RegionLevel.COUNTY, path__startswith=region.path).order_by("path"))


def clean_quotas(quotas):
    if not isinstance(quotas, dict) or not quotas:
        raise ApplicationError(_("请填写各类点位的抽样数量。"), field="quotas")
    out = {}
    for key, value in quotas.items():
        if key not in SiteType.values:
            raise ApplicationError(_("未知的点位类型“%(t)s”。") % {"t": key}, field="quotas")
        try:
            n = int(value)
        except (TypeError, ValueError):
            n = -1
        if n < 0 or n > MAX_QUOTA:
            raise ApplicationError(
                _("“%(t)s”的抽样数量应为 0～%(max)d 的整数。") % {"t": SiteType(key).label, "max": MAX_QUOTA},
                field="quotas",
            )
        if n:
            out[key] = n
    if not out:
        raise ApplicationError(_("至少一类点位的抽样数量要大于 0。"), field="quotas")
    return out


def _previous_site_ids(campaign, number):
    previous = Round.objects.filter(campaign=campaign, number__lt=number).order_by("-number").first()
    return set() if previous is None else set(previous.sites.values_list("site_id", flat=True))


@transaction.atomic
def round_create(
    *,
    actor,
    campaign,
    name,
    region,
    starts_on,
    ends_on,
    quotas,
    seed=None,
    exclude_previous=False,
    inspectors=(),
):
    """Plan a round: draw ``quotas`` sites per type in every district of ``region`` (the seed
    recorded; a new one when none is given) and assign them to ``inspectors`` in turn — each
    site to the next inspector who may inspect its region."""
    if not permissions.can_manage_round(actor, region):
        _forbid(_("您没有权限在该区域组织模拟测评。"))
    if campaign.status == CampaignStatus.CLOSED:
        raise ApplicationError(_("创建活动“%(c)s”已结束。") % {"c": campaign.name}, field="campaign")
    if not region.path.startswith(campaign.region.path):
        raise ApplicationError(_("测评范围不在创建活动的区域内。"), field="region")
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("请填写轮次名称。"), field="name")
    if starts_on is None or ends_on is None:
        raise ApplicationError(_("请填写测评的开始和结束日期。"), field="starts_on")
    if ends_on < starts_on:
        raise ApplicationError(_("结束日期不能早于开始日期。"), field="ends_on")
    quotas = clean_quotas(quotas)
    if seed in (None, ""):
        seed = random.SystemRandom().randrange(1, 2**31)
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        raise ApplicationError(_("随机种子应为整数。"), field="seed") from None
    inspectors = list(inspectors)
    number = (Round.objects.select_for_update().filter(campaign=campaign).aggregate(n=Max("number"))["n"] or 0) + 1
    districts = round_districts(region)
    excluded = _previous_site_ids(campaign, number) if exclude_previous else set()
    candidates, sites = [], {}
    for site in Site.objects.filter(
        is_active=True, region__path__startswith=region.path, site_type__in=list(quotas)
    ).select_related("region"):
        district = district_of(site.region, districts)
        if district is None or site.pk in excluded:
            continue
        sites[site.pk] = site
        candidates.append(sampling.Candidate(site.pk, district.pk, site.site_type))
    picked, shortfalls = sampling.draw(candidates, quotas, seed)
    if not picked:
        raise ApplicationError(_("测评范围内没有可抽取的点位。"), field="quotas")
    round_ = Round.objects.create(
        campaign=campaign,
        number=number,
        name=name,
        region=region,
        starts_on=starts_on,
        ends_on=ends_on,
        quotas=quotas,
        seed=seed,
        exclude_previous=bool(exclude_previous),
        shortfalls=[s.__dict__ for s in shortfalls],
        created_by=actor,
    )
    turn = 0
    rows = []
    for order, c in enumerate(picked):
        site = sites[c.site_id]
        inspector = None
        for i in range(len(inspectors)):
            person = inspectors[(turn + i) % len(inspectors)]
            if can_create_inspection(person, site.region):
                inspector, turn = person, turn + i + 1
                break
        if inspectors and inspector is None:
            raise ApplicationError(
                _("点位“%(s)s”所在区域没有可以测评的人员，请增加该区的测评人员。") % {"s": site.name},
                field="inspectors",
            )
        rows.append(RoundSite(round=round_, site=site, district_id=c.district_id, inspector=inspector, order=order))
    RoundSite.objects.bulk_create(rows)
    return round_


@transaction.atomic
def round_transition(*, actor, round_id, action):
    """开始 (planned → in progress) or 结束 (→ closed: answers are final)."""
    round_ = Round.objects.select_for_update().select_related("region").get(pk=round_id)
    if not permissions.can_manage_round(actor, round_.region):
        _forbid(_("您没有权限管理该测评轮次。"))
    target = TRANSITIONS[round_.state].get(action)
    if target is None:
        raise ApplicationError(
            _("测评轮次当前为“%(s)s”，不能执行该操作。") % {"s": round_.get_state_display()}, code="conflict"
        )
    round_.state = target
    fields = ["state"]
    if target == RoundState.CLOSED:
        round_.closed_at = timezone.now()
        fields.append("closed_at")
    round_.save(update_fields=fields)
    return round_


def checklist(round_site):
    """The active check items of the site's type in the campaign's standards, in order."""
    return list(
        CheckItem.objects.filter(
            standard__campaigns=round_site.round.campaign_id,
            site_type=round_site.site.site_type,
            is_active=True,
        )
        .select_related("indicator", "category")
        .order_by("order", "pk")
    )


def _locked_round_site(round_site_id):
    try:
        return (
            RoundSite.objects.select_for_update(of=("self",))
            .select_related("round", "round__campaign", "site", "site__region")
            .get(pk=round_site_id)
        )
    except RoundSite.DoesNotExist:
        raise ApplicationError(_("测评点位不存在。"), code="not_found") from None


def _location(round_site, latitude, longitude):
    if latitude in (None, "") or longitude in (None, ""):
        return None, None, None
    latitude, longitude = geo.check_coordinates(latitude, longitude)
    site = round_site.site
    distance = None
    if site.latitude is not None and site.longitude is not None:
        distance = round(geo.haversine_m(latitude, longitude, site.latitude, site.longitude))
    return latitude, longitude, distance


@transaction.atomic
def site_answer(*, actor, round_site_id, answers, latitude=None, longitude=None):
    """Record a site's checklist answers: ``answers`` is a list of ``{"item": id, "result":
    "pass"|"fail"|"na", "note": str, "photo": upload or None}``. Idempotent by site and item: a
    resubmission overwrites, never doubles. A failure of an item that needs a photo needs one
    (new, or kept from an earlier submission). Answers that already became issues are kept.
    The phone's position is kept with its distance from the site (flagged beyond 300 m)."""
    round_site = _locked_round_site(round_site_id)
    if not permissions.can_answer(actor, round_site):
        if round_site.round.state == RoundState.CLOSED:
            raise ApplicationError(_("该测评轮次已结束，不能再修改结果。"), code="conflict")
        _forbid(_("您不是该点位的测评人员。"))
    items = {item.pk: item for item in checklist(round_site)}
    existing = {a.item_id: a for a in round_site.answers.select_for_update()}
    if not answers:
        raise ApplicationError(_("请至少填写一项考察结果。"), field="answers")
    cleaned = []
    for entry in answers:
        item = items.get(_int(entry.get("item")))
        if item is None:
            raise ApplicationError(_("考察内容不属于该点位的测评细则。"), field="answers")
        label = item.text
        result = entry.get("result")
        if result not in Result.values:
            raise ApplicationError(_("“%(i)s”：请选择合格、不合格或不涉及。") % {"i": label}, field=f"item_{item.pk}")
        previous = existing.get(item.pk)
        if previous is not None and previous.issue_id and result != previous.result:
            raise ApplicationError(
                _("“%(i)s”已生成问题 #%(n)s，不能再改结果。") % {"i": label, "n": previous.issue_id},
                field=f"item_{item.pk}",
            )
        upload = entry.get("photo")
        processed = process_photo(upload, field=f"item_{item.pk}") if upload else None
        has_photo = processed is not None or (previous is not None and previous.photo)
        if result == Result.FAIL and item.photo_required and not has_photo:
            raise ApplicationError(_("“%(i)s”不合格，须拍照。") % {"i": label}, field=f"item_{item.pk}")
        cleaned.append((item, result, (entry.get("note") or "").strip()[:300], processed, previous))
    latitude, longitude, distance = _location(round_site, latitude, longitude)
    now = timezone.now()
    for item, result, note, processed, previous in cleaned:
        answer = previous or Answer(round_site=round_site, item=item)
        answer.result, answer.note, answer.answered_by, answer.answered_at = result, note, actor, now
        if processed is not None:
            answer.photo.save(stored_name("jpg"), ContentFile(processed.content), save=False)
        answer.save()
    if round_site.round.state == RoundState.PLANNED:
        Round.objects.filter(pk=round_site.round_id).update(state=RoundState.IN_PROGRESS)
    # The site counts as measured (已测) once every item of its checklist has an answer; until
    # then the answers are kept and the site stays on its inspector's list.
    answered = set(round_site.answers.values_list("item_id", flat=True))
    if round_site.answered_at is None and set(items) <= answered:
        round_site.answered_at = now
    round_site.answered_by = actor
    fields = ["answered_at", "answered_by"]
    if latitude is not None:
        round_site.latitude, round_site.longitude, round_site.distance_m = latitude, longitude, distance
        fields += ["latitude", "longitude", "distance_m"]
    round_site.save(update_fields=fields)
    return round_site


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _photo_upload(field_file):
    with field_file.open("rb") as f:
        data = f.read()
    return SimpleUploadedFile(field_file.name.rsplit("/", 1)[-1], data, content_type="image/jpeg")


@transaction.atomic
def site_generate_issues(*, actor, round_site_id, category=None):
    """生成问题: every 不合格 answer of the site that has no issue yet becomes one — its check
    item, indicator, site, category (the item's, else ``category``) and photo — recorded in a
    模拟测评 inspection of the site and dispatched by the usual rules (the site's responsible
    unit). Running it again creates nothing new. Returns the issues created."""
    round_site = _locked_round_site(round_site_id)
    if not permissions.can_generate_issues(actor, round_site):
        if round_site.round.state == RoundState.CLOSED:
            raise ApplicationError(_("该测评轮次已结束。"), code="conflict")
        _forbid(_("您没有权限为该点位生成问题。"))
    failed = list(
        round_site.answers.select_for_update(of=("self",))
        .filter(result=Result.FAIL, issue__isnull=True)
        .select_related("item", "item__indicator", "item__category")
    )
    missing = [a.item.text for a in failed if a.item.category_id is None and category is None]
    if missing:
        raise ApplicationError(
            _("以下考察内容未设问题类别，请选择类别：%(items)s") % {"items": "；".join(missing)}, field="category"
        )
    if not failed:
        return []
    site, round_ = round_site.site, round_site.round
    if round_site.inspection_id is None:
        round_site.inspection = inspection_create(
            actor=actor,
            campaign=round_.campaign,
            kind=InspectionKind.MOCK,
            date=timezone.localtime(round_site.answered_at or timezone.now()).date(),
            region=site.region,
            summary=_("%(r)s · %(s)s") % {"r": round_.name, "s": site.name},
        )
        round_site.save(update_fields=["inspection"])
    dispatch = supervises_path(actor, site.region.path)
    created = []
    for answer in failed:
        item = answer.item
        text = _("%(item)s（%(round)s，%(site)s）") % {"item": item.text, "round": round_.name, "site": site.name}
        if answer.note:
            text = f"{text}{answer.note}"
        issue = issue_create(
            actor=actor,
            campaign=round_.campaign,
            category=item.category or category,
            description=text,
            region=site.region,
            source=IssueSource.MOCK,
            severity=Severity.NEGATIVE_LIST if item.negative_list else Severity.GENERAL,
            inspection=round_site.inspection,
            indicator=item.indicator,
            site=site,
            address=site.address or site.name,
            photos=[_photo_upload(answer.photo)] if answer.photo else (),
            assign=dispatch,
        )
        answer.issue = issue
        answer.save(update_fields=["issue"])
        created.append(issue)
    return created


# --- 举一反三 ---------------------------------------------------------------------------------------


@transaction.atomic
def sweep_create(
    *,
    actor,
    campaign,
    region,
    site_type,
    due_on,
    item=None,
    category=None,
    title="",
    origin_issue=None,
    origin_answer=None,
):
    """举一反三: check ``item`` (or the problem of ``category``) at every active site of
    ``site_type`` under ``region``; each site goes to its responsible unit, who is told."""
    if not permissions.can_start_sweep(actor, region):
        _forbid(_("您没有权限在该区域发起举一反三排查。"))
    if not region.path.startswith(campaign.region.path):
        raise ApplicationError(_("排查范围不在创建活动的区域内。"), field="region")
    if site_type not in SiteType.values:
        raise ApplicationError(_("请选择点位类型。"), field="site_type")
    if item is not None and item.site_type != site_type:
        raise ApplicationError(_("考察内容与点位类型不一致。"), field="item")
    if due_on is None or due_on < timezone.localdate():
        raise ApplicationError(_("请填写不早于今天的完成时限。"), field="due_on")
    title = (title or "").strip() or (item.text if item else "") or (category.name if category else "")
    if not title:
        raise ApplicationError(_("请填写排查事项。"), field="title")
    category = (
        category
        or (item.category if item else None)
        or (origin_issue.category if origin_issue else None)
        or (origin_answer.issue.category if origin_answer is not None and origin_answer.issue_id else None)
    )
    if category is None:
        raise ApplicationError(_("请选择问题类别（排查发现问题时按此类别登记）。"), field="category")
    sites = list(
        Site.objects.filter(is_active=True, site_type=site_type, region__path__startswith=region.path).order_by("pk")
    )
    if not sites:
        raise ApplicationError(
            _("%(r)s没有“%(t)s”类点位。") % {"r": region.name, "t": SiteType(site_type).label}, field="site_type"
        )
    sweep = Sweep.objects.create(
        campaign=campaign,
        title=title[:300],
        site_type=site_type,
        region=region,
        item=item,
        category=category,
        origin_issue=origin_issue,
        origin_answer=origin_answer,
        due_on=due_on,
        created_by=actor,
    )
    SweepSite.objects.bulk_create(SweepSite(sweep=sweep, site=s, unit_id=s.responsible_unit_id) for s in sites)
    from django.urls import reverse

    notice_send(
        recipients=unit_people({s.responsible_unit_id for s in sites}),
        title=_("举一反三排查：%(t)s") % {"t": sweep.title},
        body=_("请于 %(d)s 前对本单位负责的%(type)s逐一排查，合格的拍照确认，发现问题的如实上报。")
        % {"d": due_on.strftime("%Y-%m-%d"), "type": SiteType(site_type).label},
        url=reverse("evaluations:sweep", args=[sweep.pk]),
        kind="sweep",
        subject_key=f"sweep:{sweep.pk}",
    )
    return sweep


@transaction.atomic
def sweep_answer(*, actor, sweep_site_id, result, photo=None, note=""):
    """Answer one site of a sweep: 合格 with a photo, or 发现问题 with a photo and a note —
    recorded as an issue at the site (in the sweep starter's name, reported by ``actor``) and
    sent to the site's unit. An answered site cannot be answered again."""
    try:
        sweep_site = (
            SweepSite.objects.select_for_update(of=("self",))
            .select_related("sweep", "sweep__campaign", "sweep__created_by", "site", "site__region")
            .get(pk=sweep_site_id)
        )
    except SweepSite.DoesNotExist:
        raise ApplicationError(_("排查点位不存在。"), code="not_found") from None
    if not permissions.can_answer_sweep_site(actor, sweep_site):
        _forbid(_("该点位不由您的单位负责。"))
    if sweep_site.result != SweepResult.PENDING:
        raise ApplicationError(
            _("该点位已于 %(t)s 排查。") % {"t": timezone.localtime(sweep_site.answered_at).strftime("%Y-%m-%d %H:%M")},
            code="conflict",
        )
    if result not in (SweepResult.PASS, SweepResult.ISSUE):
        raise ApplicationError(_("请选择合格或发现问题。"), field="result")
    if not photo:
        raise ApplicationError(_("请拍照：合格的拍现场照片，发现问题的拍问题照片。"), field="photo")
    note = (note or "").strip()
    if result == SweepResult.ISSUE and not note:
        raise ApplicationError(_("请说明发现的问题。"), field="note")
    processed = process_photo(photo, field="photo")
    now = timezone.now()
    sweep, site = sweep_site.sweep, sweep_site.site
    if result == SweepResult.ISSUE:
        reporter = (
            sweep.created_by if sweep.created_by and can_create_inspection(sweep.created_by, site.region) else None
        )
        if reporter is None:
            raise ApplicationError(_("发起排查的督查人员已不能在该区域登记问题，请联系创建办。"), code="conflict")
        sweep_site.issue = issue_create(
            actor=reporter,
            campaign=sweep.campaign,
            category=sweep.category,
            description=_("举一反三排查（%(t)s）：%(note)s（%(who)s 上报）")
            % {"t": sweep.title, "note": note, "who": actor},
            region=site.region,
            source=IssueSource.SUPERVISION,
            indicator=sweep.item.indicator if sweep.item_id else None,
            site=site,
            address=site.address or site.name,
            photos=[SimpleUploadedFile("photo.jpg", processed.content, content_type="image/jpeg")],
            responsible_unit=site.responsible_unit,
        )
    sweep_site.photo.save(stored_name("jpg"), ContentFile(processed.content), save=False)
    sweep_site.result, sweep_site.note = result, note[:300]
    sweep_site.answered_by, sweep_site.answered_at = actor, now
    sweep_site.save(update_fields=["result", "note", "photo", "answered_by", "answered_at", "issue"])
    return sweep_site


def parse_points(value):
    """扣分 as written in a 细则 (``0.5``, ``0.5分``, ``扣0.5分``) → Decimal, or None."""
    text = str(value or "").strip().replace("扣", "").replace("分", "").replace("／", "/")
    if not text:
        return None
    try:
        points = Decimal(text)
    except InvalidOperation:
        return None
    return points if points >= 0 else None


def default_window(today=None):
    today = today or timezone.localdate()
    return today, today + dt.timedelta(days=6)
