"""A round's site: its checklist, the inspector's answers, and 生成问题 (the failures become
issues through the inspections intake)."""

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.servicekit import locked
from chuangcheng.uploads import stored_name
from inspections import geo
from inspections.imports import other_category
from inspections.models import InspectionKind, IssueSource, Severity, categories_for
from inspections.permissions import supervises_path
from inspections.photos import process_photo
from inspections.services import inspection_create, issue_create

from .. import permissions
from ..models import Answer, CheckItem, Result, Round, RoundSite, RoundState


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


def _category_for(item, offered):
    """The category of a failed check item that names none (and none was chosen): the longest
    category name in the item's text, else in its indicator's name, else the neutral 其他."""
    for text in (item.text, item.indicator.name if item.indicator_id else ""):
        named = [c for c in offered if c.name in text]
        if named:
            return max(named, key=lambda c: (len(c.name), c.kind == "campaign", -c.pk))
    return other_category()


def _locked_round_site(round_site_id):
    return locked(
        RoundSite.objects.all(),
        round_site_id,
        related=("round", "round__campaign", "site", "site__region"),
        missing=_("测评点位不存在。"),
    )


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
        raise ApplicationError(_("您不是该点位的测评人员。"), code="forbidden")
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
    item, indicator, site, category (:func:`_category_for`) and photo — recorded in a 模拟测评
    inspection of the site and dispatched by the usual rules (the site's responsible unit).
    Running it again creates nothing new. Returns the issues created."""
    round_site = _locked_round_site(round_site_id)
    if not permissions.can_generate_issues(actor, round_site):
        if round_site.round.state == RoundState.CLOSED:
            raise ApplicationError(_("该测评轮次已结束。"), code="conflict")
        raise ApplicationError(_("您没有权限为该点位生成问题。"), code="forbidden")
    failed = list(
        round_site.answers.select_for_update(of=("self",))
        .filter(result=Result.FAIL, issue__isnull=True)
        .select_related("item", "item__indicator", "item__category")
    )
    if not failed:
        return []
    site, round_ = round_site.site, round_site.round
    offered = []  # what a failure without a category is matched against; a one-character name matches anything
    if category is None and any(a.item.category_id is None for a in failed):
        offered = [c for c in categories_for(round_.campaign) if len(c.name) >= 2]
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
            category=item.category or category or _category_for(item, offered),
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
