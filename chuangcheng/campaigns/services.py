"""Writes to campaigns, evaluation standards and indicators (the API, pages and admin call these).

Every function takes ``actor``: the person making the change, checked with the predicates of
:mod:`chuangcheng.campaigns.permissions`, or ``None`` for the system itself (imports, management
commands). Refusals are :class:`~chuangcheng.exceptions.ApplicationError` naming the field.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import Unit
from chuangcheng.org.sitetypes import recognise_site_types
from chuangcheng.servicekit import clean_text

from .models import Campaign, CampaignStatus, CityTitle, EvaluationMethod, Indicator, Standard
from .permissions import can_manage_campaign_in_region, can_manage_campaigns, can_manage_standards
from .scoring import standard_recompute_scores

# Which status a campaign may take next, from each status (staying put is no change).
STATUS_CHANGES = {
    CampaignStatus.PLANNING: {CampaignStatus.PLANNING, CampaignStatus.ACTIVE, CampaignStatus.CLOSED},  # 启动 / 取消
    CampaignStatus.ACTIVE: {CampaignStatus.ACTIVE, CampaignStatus.CLOSED},  # 迎检结束
    CampaignStatus.CLOSED: set(),  # read-only history
}
# What campaign_update may change, in the order a form shows it (the admin's campaign form).
CAMPAIGN_FIELDS = (
    "name",
    "titles",
    "region",
    "office_unit",
    "start_date",
    "target_date",
    "status",
    "standards",
    "description",
)
INDICATOR_FIELDS = {
    "code",
    "name",
    "parent",
    "max_score",
    "method",
    "methods",
    "requirements",
    "negative_list",
    "description",
}


def _check_fields(data, allowed):
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ApplicationError(_("不能修改这些字段：%(f)s。") % {"f": "、".join(unknown)}, field=unknown[0])


def _check_titles(titles):
    if not titles:
        raise ApplicationError(_("请至少选择一个创建称号。"), field="titles")
    unknown = [t for t in titles if t not in CityTitle.values]
    if unknown:
        raise ApplicationError(_("未知的创建称号：%(t)s。") % {"t": "、".join(map(str, unknown))}, field="titles")
    return list(dict.fromkeys(titles))


def _check_campaign_region(actor, region):
    if actor is not None and not can_manage_campaign_in_region(actor, region):
        raise ApplicationError(_("“%(region)s”不在您的管辖范围内。") % {"region": region.name}, field="region")


def _check_office_unit(actor, unit):
    if actor is not None and not Unit.objects.visible_to(actor).filter(pk=unit.pk).exists():
        raise ApplicationError(_("单位“%(unit)s”不在您的管辖范围内。") % {"unit": unit.name}, field="office_unit")
    if not unit.is_active:
        raise ApplicationError(_("牵头办公室“%(unit)s”已停用。") % {"unit": unit.name}, field="office_unit")


def _check_dates(start_date, target_date):
    if target_date < start_date:
        raise ApplicationError(
            _("迎检日期（%(t)s）不能早于开始日期（%(s)s）。") % {"t": target_date, "s": start_date}, field="target_date"
        )


@transaction.atomic
def campaign_create(
    *,
    actor,
    name,
    titles,
    region,
    office_unit,
    start_date,
    target_date,
    status=CampaignStatus.PLANNING,
    standards=(),
    description="",
):
    """Set up a campaign over ``region``, run by ``office_unit``, counting down to ``target_date``."""
    if actor is not None and not can_manage_campaigns(actor):
        raise ApplicationError(_("只有系统管理员可以设立创建活动。"), code="forbidden")
    name = clean_text(name, "name", _("活动名称不能为空。"))
    titles = _check_titles(titles)
    _check_campaign_region(actor, region)
    _check_office_unit(actor, office_unit)
    _check_dates(start_date, target_date)
    if status not in (CampaignStatus.PLANNING, CampaignStatus.ACTIVE):
        raise ApplicationError(_("新的创建活动只能是“筹备中”或“进行中”。"), field="status")
    campaign = Campaign(
        name=name,
        titles=titles,
        region=region,
        office_unit=office_unit,
        start_date=start_date,
        target_date=target_date,
        status=status,
        description=description or "",
    )
    campaign.save()
    campaign.standards.set(standards)
    return campaign


@transaction.atomic
def campaign_update(*, actor, campaign, data):
    """Change a campaign. A closed campaign is read-only history (409); status moves forward
    only (筹备中 → 进行中 → 已结束), so leaders' scopes never come back unannounced."""
    _check_fields(data, CAMPAIGN_FIELDS)
    if actor is not None and not can_manage_campaigns(actor):
        raise ApplicationError(_("只有系统管理员可以修改创建活动。"), code="forbidden")
    campaign = Campaign.objects.select_for_update().select_related("region").get(pk=campaign.pk)
    if campaign.status == CampaignStatus.CLOSED:
        raise ApplicationError(_("“%(c)s”已结束，不能再修改。") % {"c": campaign.name}, code="conflict")
    _check_campaign_region(actor, campaign.region)
    data = dict(data)
    standards = data.pop("standards", None)
    if "name" in data:
        data["name"] = clean_text(data["name"], "name", _("活动名称不能为空。"))
    if "titles" in data:
        data["titles"] = _check_titles(data["titles"])
    if "region" in data:
        _check_campaign_region(actor, data["region"])
    if "office_unit" in data:
        _check_office_unit(actor, data["office_unit"])
    if "start_date" in data or "target_date" in data:
        _check_dates(data.get("start_date", campaign.start_date), data.get("target_date", campaign.target_date))
    if "status" in data and data["status"] not in STATUS_CHANGES[campaign.status]:
        raise ApplicationError(
            _("创建活动不能从“%(old)s”改为“%(new)s”。")
            % {"old": campaign.get_status_display(), "new": CampaignStatus(data["status"]).label},
            code="conflict",
            field="status",
        )
    if "description" in data:
        data["description"] = data["description"] or ""
    for field, value in data.items():
        setattr(campaign, field, value)
    if data:
        campaign.save(update_fields=list(data))
    if standards is not None:
        campaign.standards.set(standards)
    return campaign


@transaction.atomic
def standard_create(*, actor, name, version="", title=""):
    """Enter a 测评体系 (name and version are unique together)."""
    if actor is not None and not can_manage_standards(actor):
        raise ApplicationError(_("只有系统管理员可以录入测评体系。"), code="forbidden")
    name = clean_text(name, "name", _("名称不能为空。"))
    version = (version or "").strip()
    if title and title not in CityTitle.values:
        raise ApplicationError(_("未知的创建称号“%(t)s”。") % {"t": title}, field="title")
    if Standard.objects.filter(name=name, version=version).exists():
        raise ApplicationError(
            _("测评体系“%(n)s”（%(v)s）已存在。") % {"n": name, "v": version or _("无版本")}, field="name"
        )
    standard = Standard(name=name, version=version, title=title or "")
    standard.save()
    return standard


def _check_indicator_parent(standard, indicator, parent):
    if parent is None:
        return
    if parent.standard_id != standard.pk:
        raise ApplicationError(_("上级指标必须属于同一测评体系。"), field="parent")
    ancestor = parent
    while ancestor is not None and indicator is not None:  # 项目 → 指标 → 测评内容: a few levels
        if ancestor.pk == indicator.pk:
            raise ApplicationError(_("上级指标不能是本指标或其下级指标。"), field="parent")
        ancestor = ancestor.parent


def _check_indicator_values(data):
    if "max_score" in data and data["max_score"] is not None and data["max_score"] < 0:
        raise ApplicationError(_("分值不能为负数。"), field="max_score")
    if data.get("method") and data["method"] not in EvaluationMethod.values:
        raise ApplicationError(_("未知的测评方法“%(m)s”。") % {"m": data["method"]}, field="method")
    for method in data.get("methods") or []:
        if method not in EvaluationMethod.values:
            raise ApplicationError(_("未知的测评方法“%(m)s”。") % {"m": method}, field="methods")


def _method_fields(data, current_methods=()):
    """``methods`` (a list) and ``method`` kept together: the set, and its first as the main
    method; ``requirements`` gives ``site_types``."""
    out = {}
    if "methods" in data:
        methods = list(dict.fromkeys(data["methods"] or []))
        out["methods"], out["method"] = ",".join(methods), methods[0] if methods else ""
    elif "method" in data:
        method = data["method"] or ""
        rest = [m for m in current_methods if m != method]
        out["method"], out["methods"] = method, ",".join(([method] if method else []) + rest)
    if "requirements" in data:
        out["requirements"] = (data["requirements"] or "").strip()
        out["site_types"] = ",".join(recognise_site_types(out["requirements"]))
    return out


def _check_code_free(standard, code, exclude=None):
    if Indicator.objects.filter(standard=standard, code=code).exclude(pk=getattr(exclude, "pk", None)).exists():
        raise ApplicationError(_("编号“%(code)s”在该测评体系中已存在。") % {"code": code}, field="code")


@transaction.atomic
def indicator_create(
    *,
    actor,
    standard,
    code,
    name,
    parent=None,
    max_score=None,
    method="",
    methods=None,
    requirements="",
    negative_list=False,
    description="",
):
    """Add an indicator to ``standard`` under ``parent``; its sort key follows its code.
    ``methods`` (a list) wins over ``method``; the standard's effective scores are recomputed."""
    if actor is not None and not can_manage_standards(actor):
        raise ApplicationError(_("只有系统管理员可以维护测评指标。"), code="forbidden")
    code = clean_text(code, "code", _("编号不能为空。"))
    name = clean_text(name, "name", _("名称不能为空。"))
    _check_indicator_values({"max_score": max_score, "method": method, "methods": methods})
    _check_indicator_parent(standard, None, parent)
    _check_code_free(standard, code)
    given = {"methods": methods} if methods is not None else {"method": method}
    indicator = Indicator(
        standard=standard,
        code=code,
        name=name,
        parent=parent,
        max_score=max_score,
        negative_list=negative_list,
        description=description or "",
        sort_key=Indicator.sort_key_for(code),
        **_method_fields({**given, "requirements": requirements}),
    )
    indicator.save()
    standard_recompute_scores(standard.pk)
    indicator.refresh_from_db(fields=["effective_score", "score_is_derived"])
    return indicator


@transaction.atomic
def indicator_update(*, actor, indicator, data):
    """Change an indicator; a new code moves it in the order (``sort_key``). It stays in its standard."""
    _check_fields(data, INDICATOR_FIELDS)
    if actor is not None and not can_manage_standards(actor):
        raise ApplicationError(_("只有系统管理员可以维护测评指标。"), code="forbidden")
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    data = dict(data)
    if "code" in data:
        data["code"] = clean_text(data["code"], "code", _("编号不能为空。"))
        _check_code_free(indicator.standard_id, data["code"], exclude=indicator)
        data["sort_key"] = Indicator.sort_key_for(data["code"])
    if "name" in data:
        data["name"] = clean_text(data["name"], "name", _("名称不能为空。"))
    _check_indicator_values(data)
    if "parent" in data:
        _check_indicator_parent(indicator.standard, indicator, data["parent"])
    if "description" in data:
        data["description"] = data["description"] or ""
    data.update(_method_fields(data, indicator.method_list))
    for field, value in data.items():
        setattr(indicator, field, value)
    if data:
        indicator.save(update_fields=list(data))
    if {"max_score", "parent"} & set(data):
        standard_recompute_scores(indicator.standard_id)
        indicator.refresh_from_db(fields=["effective_score", "score_is_derived"])
    return indicator
