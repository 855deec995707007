"""Briefing writes: build (a draft, or the note of an empty period), edit a draft, publish.

- :func:`briefing_build` refuses a period that has not ended or that ends before the campaign
  started; otherwise it returns the briefing of that (campaign, kind, period, region) — the
  existing one when it was built before (a unique constraint, and a lock on the campaign row
  around the get-or-create), else a new draft with the figures frozen in ``content``, or an
  ``empty`` note when the period had nothing to report. With ``publish`` it publishes the new
  draft in the same transaction (scheduled builds, per the campaign's auto-publish setting).
- :func:`briefing_save_draft` writes the office's 下步工作要求, 点名 and 表扬 into a draft.
- :func:`briefing_publish` takes the 文号 — the next of the series (campaign, region, kind, year),
  under the campaign row lock, in the publishing transaction, so numbers are contiguous: a
  build killed half-way rolls back and leaves no gap — and queues the mail to subscribers.
"""

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.campaigns.models import Campaign
from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import LeaderAssignment, Membership, Region, RegionLevel, User

from .. import periods, permissions
from ..models import Briefing, BriefingKind, BriefingStatus
from . import words
from .content import briefing_content

TEXT_LIMIT = 4000


def _check(campaign, kind, period_start, period_end, region, actor, today):
    if not region.path.startswith(campaign.region.path):
        raise ApplicationError(_("%(r)s不在该创建活动的范围内。") % {"r": region.name}, field="region")
    if actor is not None and not permissions.can_build_briefing(actor, campaign, region):
        raise ApplicationError(_("您没有权限生成该范围的通报。"), code="forbidden")
    text = {"p": words.period_text(kind, period_start, period_end)}
    if period_end >= today:
        raise ApplicationError(
            _("统计期（%(p)s）尚未结束，不能生成通报：请选择已经结束的统计期。") % text, field="date"
        )
    if period_end < campaign.start_date:
        text["s"] = words.period_text(BriefingKind.DAILY, campaign.start_date, campaign.start_date)
        raise ApplicationError(_("统计期（%(p)s）在创建活动开始（%(s)s）之前，没有可通报的数据。") % text, field="date")


def _lock_campaign(campaign):
    # FOR NO KEY UPDATE: serialises briefing builds and 文号 of this campaign without blocking
    # inserts that reference the campaign (issue writes key-share the row).
    Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()


def briefing_build(
    *, campaign, kind, day=None, region=None, actor=None, now=None, publish=False, requirements="", shared=None
):
    """Build (or find) the ``kind`` briefing of the period containing ``day`` (default: the
    period that ended most recently) for ``region`` (default: the campaign's territory).

    Returns ``(briefing, created)``. ``actor`` is the person asking (checked against
    :func:`permissions.can_build_briefing`); ``None`` for the scheduled job. ``requirements``:
    the 下步工作要求 a published-at-once briefing carries (a command's standing text). ``shared``:
    one dict passed to each build of a run over several regions (reads they share)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    region = region or campaign.region
    if kind not in BriefingKind.values:
        raise ApplicationError(_("未知的通报类型：%(k)s。") % {"k": kind}, field="kind")
    period_start, period_end = periods.period_for(kind, day) if day else periods.last_finished_period(kind, today)
    _check(campaign, kind, period_start, period_end, region, actor, today)
    key = {"campaign": campaign, "kind": kind, "period_start": period_start, "region": region}
    existing = Briefing.objects.filter(**key).first()
    if existing is not None:
        return existing, False
    # The figures take a while on a big city: computed before taking the lock, so builds of
    # other periods (and issue writes) never wait on them.
    content = briefing_content(campaign, kind, period_start, period_end, region, now=now, shared=shared)
    empty = not content["has_content"]
    try:
        with transaction.atomic():
            _lock_campaign(campaign)
            existing = Briefing.objects.filter(**key).first()
            if existing is not None:
                return existing, False
            briefing = Briefing.objects.create(
                **key,
                period_end=period_end,
                status=BriefingStatus.EMPTY if empty else BriefingStatus.DRAFT,
                title=words.title_text(region, kind),
                summary=words.empty_text(kind, period_start, period_end, region) if empty else content["summary"],
                content=content,
                built_by=actor,
                built_at=now,
                requirements=(requirements or "").strip()[:TEXT_LIMIT],
            )
            if publish and not empty:
                briefing = _publish(briefing, actor=None, now=now)
    except IntegrityError:
        # Another builder (a database without row locks) won the race: theirs is the briefing.
        existing = Briefing.objects.filter(**key).first()
        if existing is None:
            raise
        return existing, False
    return briefing, True


def _clean_texts(requirements, criticism, commendation):
    out = {}
    for name, value in (("requirements", requirements), ("criticism", criticism), ("commendation", commendation)):
        if value is None:
            continue
        value = value.strip()
        if len(value) > TEXT_LIMIT:
            raise ApplicationError(_("内容过长（不超过 %(n)s 字）。") % {"n": TEXT_LIMIT}, field=name)
        out[name] = value
    return out


def _locked_draft(actor, briefing_id):
    briefing = Briefing.objects.select_for_update().select_related("campaign", "region").filter(pk=briefing_id).first()
    if briefing is None or (
        actor is not None and not permissions.can_build_briefing(actor, briefing.campaign, briefing.region)
    ):
        raise ApplicationError(_("找不到该通报。"), code="not_found")
    if not briefing.is_draft:
        raise ApplicationError(
            _("该通报已发布（%(n)s），不能再修改。") % {"n": briefing.document_number or briefing.get_status_display()},
            code="conflict",
        )
    return briefing


@transaction.atomic
def briefing_save_draft(*, actor, briefing_id, requirements=None, criticism=None, commendation=None):
    """Keep the office's paragraphs on a draft (下步工作要求, 点名, 表扬)."""
    briefing = _locked_draft(actor, briefing_id)
    texts = _clean_texts(requirements, criticism, commendation)
    Briefing.objects.filter(pk=briefing.pk, status=BriefingStatus.DRAFT).update(**texts)
    for name, value in texts.items():
        setattr(briefing, name, value)
    return briefing


def briefing_publish(*, actor, briefing_id, requirements=None, criticism=None, commendation=None, now=None):
    """发布: a reviewed draft takes its 文号 and goes to its subscribers; from then on it never
    changes. A person publishing must have written the 下步工作要求."""
    now = now or timezone.now()
    with transaction.atomic():
        draft = Briefing.objects.select_related("campaign").filter(pk=briefing_id).first()
        if draft is None:
            raise ApplicationError(_("找不到该通报。"), code="not_found")
        _lock_campaign(draft.campaign)
        briefing = _locked_draft(actor, briefing_id)
        texts = _clean_texts(requirements, criticism, commendation)
        for name, value in texts.items():
            setattr(briefing, name, value)
        if actor is not None and not briefing.requirements:
            raise ApplicationError(_("发布前请填写“下步工作要求”。"), field="requirements")
        if texts:
            Briefing.objects.filter(pk=briefing.pk).update(**texts)
        return _publish(briefing, actor=actor, now=now)


def _publish(briefing, *, actor, now):
    """Number and publish ``briefing`` (a draft; the campaign row is locked by the caller)."""
    year = timezone.localtime(now).year
    series = Briefing.objects.filter(
        campaign_id=briefing.campaign_id, region_id=briefing.region_id, kind=briefing.kind, year=year
    )
    number = (series.aggregate(n=Max("number"))["n"] or 0) + 1
    fields = {
        "status": BriefingStatus.PUBLISHED,
        "year": year,
        "number": number,
        "document_number": words.document_number(briefing.campaign, briefing.region, briefing.kind, year, number),
        "published_by": actor,
        "published_at": now,
    }
    updated = Briefing.objects.filter(pk=briefing.pk, status=BriefingStatus.DRAFT).update(**fields)
    if not updated:
        raise ApplicationError(_("该通报已发布，不能重复发布。"), code="conflict")
    for name, value in fields.items():
        setattr(briefing, name, value)
    _deliver(briefing)
    return briefing


# --- scheduled builds ------------------------------------------------------------------------------


def scheduled_regions(campaign):
    """The regions a scheduled briefing covers: the whole territory and each district."""
    districts = Region.objects.filter(parent=campaign.region, level=RegionLevel.COUNTY).order_by("code", "name")
    return [campaign.region, *districts]


def due_periods(kind, today, count):
    """The last ``count`` finished periods of ``kind``, oldest first."""
    out = [periods.last_finished_period(kind, today)]
    while len(out) < count:
        out.insert(0, periods.previous_period(kind, out[0][0]))
    return out


# --- who receives it ---------------------------------------------------------------------------------


def briefing_subscribers(briefing):
    """Who a briefing is mailed to: the unit heads of units in its region; the leaders assigned
    (领导包保) to that region or below in the campaign; and the office that supervises exactly
    that region (for the city-wide briefing, the campaign office's city-wide supervisors)."""
    path = briefing.region.path
    heads = Membership.objects.filter(role="unit_head", unit__is_active=True, unit__region__path__startswith=path)
    leaders = LeaderAssignment.objects.filter(
        campaign_id=briefing.campaign_id, leader__isnull=False, region__path__startswith=path
    )
    office = Membership.objects.filter(role="supervisor", unit__is_active=True).filter(
        Q(scope_region_id=briefing.region_id) | Q(scope_region__isnull=True, unit__region_id=briefing.region_id)
    )
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=heads.values("user_id"))
            | Q(pk__in=leaders.values("leader_id"))
            | Q(pk__in=office.values("user_id"))
        )
        .order_by("pk")
    )


def _deliver(briefing):
    """Queue the published briefing for its subscribers, with its PDF, in the publishing
    transaction — when the notifications outbox offers ``delivery_create``."""
    try:
        from chuangcheng.notifications.services import delivery_create
    except ImportError:
        return []
    return delivery_create(
        recipients=briefing_subscribers(briefing),
        kind="briefing",
        subject_key=f"briefing:{briefing.pk}",
        window="publish",
        title=f"{briefing.document_number} {briefing.title}",
        body=briefing.summary,
        url=reverse("reports:detail", args=[briefing.pk]),
        attachments=[
            {
                "loader": "briefing_pdf",
                "args": [briefing.pk],
                "filename": f"{briefing.document_number}.pdf",
                "mimetype": "application/pdf",
            }
        ],
    )


def pdf_bytes(briefing_id):
    """The briefing's PDF (the outbox's attachment loader, called at send time)."""
    from ..outputs import briefing_pdf

    return briefing_pdf(Briefing.objects.select_related("campaign", "region").get(pk=briefing_id))
