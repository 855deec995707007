"""Reads of issues that are more than a filter. Lists start from ``visible_to(user)``; the
integrity and proximity reads take an issue the caller may already see."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, DateTimeField, F, Q, Value, When
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chuangcheng import listpages
from chuangcheng.campaigns.models import Campaign
from chuangcheng.org.home import Attention
from chuangcheng.org.models import Unit, UnitKind
from chuangcheng.org.selectors import offer_regions

from . import counting, geo
from .filters import IssueFilter
from .forms import visible_units
from .models import (
    CLOCK_FIRST,
    CLOCK_STATES,
    OPEN_STATES,
    Inspection,
    Issue,
    IssueAction,
    IssueCategory,
    IssueState,
    PendingRequest,
    Photo,
    Severity,
)

NEAR_DUPLICATE_RADIUS_M = 50  # a report this close to an open issue of its category is "the same"
RECURRENCE_RADIUS_M = 50  # a new issue this close to one closed recently is a possible 反弹
RECURRENCE_WINDOW = dt.timedelta(days=30)

LIST_RELATED = ("campaign", "category", "region", "responsible_unit", "site", "inspection")


def inspection_issue_counts(user):
    """Annotations of an inspection's issues **the person may see**: ``issue_count`` and
    ``open_count`` (an outing in a shared region also found issues of other units)."""
    scope = user.scope
    seen = (
        None
        if (scope.sees_all or scope.covers_all_regions)
        else Q(issues__in=Issue.objects.visible_to(user).values("pk"))
    )
    open_q = Q(issues__state__in=OPEN_STATES) & (seen or Q())
    return {
        "issue_count": Count("issues", filter=seen, distinct=True),
        "open_count": Count("issues", filter=open_q, distinct=True),
    }


def issue_list(*, user, filters=None, within=None):
    """The issue list for ``user``: visible issues, filtered, with what a list row needs.
    ``within``: the region filter's value, when the caller applies one (see ``visible_to``)."""
    if within is None and filters is not None:
        within = filters.get("region")
    queryset = Issue.objects.visible_to(user, within=within).select_related(*LIST_RELATED)
    if filters is not None:
        queryset = IssueFilter(filters, queryset=queryset).qs
    return queryset.order_by("-created_at", "-id")


# 问题清单's sorts: the page's ``?ordering=``, named as the API's (severity is 严重程度's rank, not
# the codes' alphabet); each ends with ``id`` and has an index (``insp_issue_order_*``).
ISSUE_ORDERINGS = {
    "-created_at": (gettext_lazy("最新登记"), ("-created_at", "-id")),
    "rectification_deadline": (
        gettext_lazy("整改期限最近"),
        # Issues still owed (已交办, 整改中) first, nearest deadline first; then the others (a
        # closed issue's deadline of last year is not "nearest"); no deadline yet (待受理): last.
        (CLOCK_FIRST.asc(), F("rectification_deadline").asc(nulls_last=True), "id"),
    ),
    "-severity": (gettext_lazy("最严重"), ("-severity_rank", "-id")),
}
DEFAULT_ISSUE_ORDERING = "-created_at"


def issue_ordering(query):
    """The sort asked for in ``query``, or the default (an unknown one is ignored, like an
    out-of-scope choice)."""
    wanted = query.get("ordering") or ""
    return wanted if wanted in ISSUE_ORDERINGS else DEFAULT_ISSUE_ORDERING


def filtered_issues(*, user, query):
    """问题清单 as filtered by ``query`` (the page's query string): ``(filterset, issues, states)``
    — for the page and for its export (within the request or by the export job), so both hold
    the same rows. :class:`IssueFilter` runs over :func:`issue_list` (the person's scope) with
    its choices limited to what the person can see (an out-of-scope choice is ignored, never an
    error page); the state is applied last, so the same filtered list gives the per-state counts;
    the rows come in the sort asked for (:data:`ISSUE_ORDERINGS`)."""
    data, states = listpages.query_states(query, IssueState.values)
    filterset = IssueFilter(data, queryset=issue_list(user=user, within=data.get("region")))
    fields = filterset.form.fields
    fields["campaign"].queryset = Campaign.objects.visible_to(user).order_by("-start_date")
    fields["responsible_unit"].queryset = visible_units(user)
    offer_regions(fields["region"], user, data.get("region"))
    fields["category"].queryset = IssueCategory.objects.filter(is_active=True)
    fields["inspection"].queryset = Inspection.objects.visible_to(user)
    issues = filterset.qs.filter(state__in=states) if states else filterset.qs
    return filterset, issues.order_by(*ISSUE_ORDERINGS[issue_ordering(query)][1]), states


# What an item of 我的待办 is due by: to sign, its sign-by time; long-term, its target date;
# else its rectification deadline.
QUEUE_DUE = Case(
    When(state=IssueState.ASSIGNED, then=F("sign_deadline")),
    When(state=IssueState.LONG_TERM, then=Cast("long_term_target_date", DateTimeField())),
    default=F("rectification_deadline"),
    output_field=DateTimeField(),
)


def my_queue(*, user):
    """我的待办 for unit people: issues to sign, to rectify (including returned for rework) and
    long-term ones, of the user's units — 负面清单 (立行立改) first, then by what each is due by
    (an issue to sign by its sign-by time, a long-term one by its target date), the nearest
    first: an issue overdue or about to be is never below one due in months."""
    return (
        Issue.objects.filter(
            responsible_unit_id__in=user.scope.unit_ids,
            state__in=[*CLOCK_STATES, IssueState.LONG_TERM],
        )
        .select_related(*LIST_RELATED)
        .order_by(
            Case(When(severity=Severity.NEGATIVE_LIST, then=Value(0)), default=Value(1)),
            QUEUE_DUE.asc(nulls_last=True),
            "id",
        )
    )


@dataclass(frozen=True)
class QueueSection:
    key: str
    label: str
    queryset: object
    list_query: str  # the 问题清单 filter that lists the whole section


def review_queue(*, user, now=None):
    """What waits for a supervisor (or an admin) in their scope, as sections of 我的待办: issues
    to verify (待核查), 延期申请 and 申请退回 to decide, reports to triage (待受理), overdue ones
    to chase. Never the person's own units' issues (nobody checks their own unit's work).
    Empty for everyone else."""
    scope = user.scope
    now = now or timezone.now()
    visible = Issue.objects.visible_to(user).select_related(*LIST_RELATED)
    by_deadline = (F("rectification_deadline").asc(nulls_last=True), "id")
    if not (scope.sees_all or "supervisor" in scope.roles):
        if "leader" not in scope.roles:
            return []
        # A leader: the red items of the districts they answer for (领导包保), to 督办.
        return [
            QueueSection(
                "leader_overdue",
                _("包保区域超期未改的问题"),
                visible.filter(state__in=CLOCK_STATES, rectification_deadline__lt=now).order_by(*by_deadline),
                "overdue=true",
            )
        ]
    mine = Q(responsible_unit_id__in=scope.unit_ids)
    return [
        QueueSection(
            "verify",
            _("待核查问题"),
            visible.filter(state=IssueState.SUBMITTED).exclude(mine).order_by("submitted_at", "id"),
            "state=submitted",
        ),
        QueueSection(
            "extension",
            _("延期申请待决定"),
            visible.filter(pending_request=PendingRequest.EXTENSION).exclude(mine).order_by(*by_deadline),
            "pending_request=extension",
        ),
        QueueSection(
            "reassignment",
            _("申请退回待决定"),
            visible.filter(pending_request=PendingRequest.REASSIGNMENT).order_by(*by_deadline),
            "pending_request=reassignment",
        ),
        QueueSection(
            "triage",
            _("待受理的上报"),
            visible.filter(state=IssueState.REPORTED).order_by("created_at", "id"),
            "state=reported",
        ),
        QueueSection(
            "overdue",
            _("超期未改待督办"),
            visible.overdue(now).order_by(*by_deadline),
            "overdue=true",
        ),
    ]


# --- who should fix it -------------------------------------------------------------------------


def suggest_responsible_unit(region, category=None, *, site=None):
    """The unit an issue should go to, or None.

    1. the site's responsible unit, when the issue is at a 测评点位;
    2. for a category whose default is a functional department (条) with a name hint (园林,
       城管…): the active functional unit with that hint whose region is nearest above the
       issue's region (a district bureau before the city bureau);
    3. otherwise — and whenever 2 finds nobody — 属地兜底: the territorial unit (块) of the
       nearest region at or above the issue's region (community, then street, then district).
    """
    if site is not None and site.responsible_unit_id:
        return site.responsible_unit
    chain = [*region.ancestor_ids(), region.pk]  # root first
    depth = {region_id: i for i, region_id in enumerate(chain)}
    units = Unit.objects.filter(is_active=True, region_id__in=chain)
    if category is not None and category.default_unit_kind == UnitKind.FUNCTIONAL and category.unit_hint:
        hint = category.unit_hint
        functional = units.filter(kind=UnitKind.FUNCTIONAL).filter(
            Q(name__contains=hint) | Q(short_name__contains=hint)
        )
        best = _nearest(functional, depth)
        if best is not None:
            return best
    return _nearest(units.filter(kind=UnitKind.TERRITORIAL), depth)


def _nearest(units, depth):
    candidates = sorted(units, key=lambda u: (-depth[u.region_id], u.pk))
    return candidates[0] if candidates else None


# --- proximity ----------------------------------------------------------------------------------


def near_duplicates(issue, *, radius_m=NEAR_DUPLICATE_RADIUS_M):
    """Open issues of the same category within ``radius_m`` of a reported one: candidates to
    merge into. ``[(issue, metres)]``, nearest first."""
    if issue.latitude is None:
        return []
    candidates = (
        Issue.objects.filter(category_id=issue.category_id, state__in=OPEN_STATES)
        .exclude(pk=issue.pk)
        .select_related("region", "responsible_unit", "category")
    )
    return geo.within(candidates, issue.latitude, issue.longitude, radius_m)


def recurrence_candidate(*, category_id, latitude, longitude, now=None, exclude_pk=None):
    """The nearest issue of the category closed within :data:`RECURRENCE_WINDOW` and
    :data:`RECURRENCE_RADIUS_M` of the point — a possible 反弹 — or None."""
    if latitude is None or longitude is None:
        return None
    now = now or timezone.now()
    candidates = Issue.objects.filter(
        category_id=category_id, state=IssueState.CLOSED, closed_at__gte=now - RECURRENCE_WINDOW
    )
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    found = geo.within(candidates, latitude, longitude, RECURRENCE_RADIUS_M)
    return found[0][0] if found else None


# --- integrity flags (the verify screen) ---------------------------------------------------------


@dataclass(frozen=True)
class IntegrityFlag:
    kind: str  # duplicate_photo, exif_before_creation, possible_recurrence
    message: str
    photo_id: int | None = None
    other_issue_id: int | None = None
    distance: int | None = None

    def as_dict(self):
        return {k: v for k, v in self.__dict__.items() if v is not None}


def integrity_flags(issue):
    """What the verifier should look at twice, from the facts stored at upload, submit and
    verify time (two queries; a third naming the photos when one is a suspected duplicate):

    - 疑似重复照片: a photo matching one on another issue (which photo, and that issue's number);
    - 拍摄时间早于问题登记: an after/evidence photo whose EXIF time precedes the issue;
    - 疑似反弹: the issue is near one of its category closed in the last 30 days.
    """
    flags = []
    photos = list(
        Photo.objects.filter(issue=issue)
        .filter(Q(duplicate_of__isnull=False) | Q(taken_before_issue=True))
        .select_related("duplicate_of")
        .order_by("id")
    )
    names = _photo_names(issue, photos) if any(p.duplicate_of_id for p in photos) else {}
    for photo in photos:
        if photo.duplicate_of_id:
            other = photo.duplicate_of.issue_id
            flags.append(
                IntegrityFlag(
                    kind="duplicate_photo",
                    message=_("疑似重复照片：%(photo)s与问题 #%(other)s 的照片%(how)s")
                    % {
                        "photo": names[photo.pk],
                        "other": other,
                        "how": _("完全相同") if photo.duplicate_distance == 0 else _("高度相似"),
                    },
                    photo_id=photo.pk,
                    other_issue_id=other,
                    distance=photo.duplicate_distance,
                )
            )
        if photo.taken_before_issue:
            flags.append(
                IntegrityFlag(
                    kind="exif_before_creation",
                    message=_("照片拍摄时间（%(taken)s）早于问题登记时间（%(created)s）")
                    % {
                        "taken": f"{timezone.localtime(photo.exif_taken_at):%Y-%m-%d %H:%M}",
                        "created": f"{timezone.localtime(issue.created_at):%Y-%m-%d %H:%M}",
                    },
                    photo_id=photo.pk,
                )
            )
    if issue.possible_recurrence_of_id:
        flags.append(
            IntegrityFlag(
                kind="possible_recurrence",
                message=_("疑似反弹：附近 50 米内同类问题 #%(other)s 近 30 天内刚销号")
                % {"other": issue.possible_recurrence_of_id},
                other_issue_id=issue.possible_recurrence_of_id,
            )
        )
    return flags


def _photo_names(issue, photos):
    """Which of the issue's photos each of ``photos`` is, as the issue page shows them (by kind,
    in upload order): "整改后第 2 张照片（IMG_0012.jpg）" — two flags about two photos never read
    the same. One query, of ids and kinds."""
    position, seen = {}, {}
    for pk, kind in Photo.objects.filter(issue=issue).order_by("created_at", "id").values_list("pk", "kind"):
        seen[kind] = seen.get(kind, 0) + 1
        position[pk] = seen[kind]
    names = {}
    for photo in photos:
        words = {"kind": photo.get_kind_display(), "n": position[photo.pk], "name": photo.original_name}
        if photo.original_name:
            names[photo.pk] = _("%(kind)s第 %(n)s 张照片（%(name)s）") % words
        else:
            names[photo.pk] = _("%(kind)s第 %(n)s 张照片") % words
    return names


def attention(user):
    """What waits for ``user`` among issues (home.Attention lines, each opening its list): my
    units' issues to sign, to rectify and carried on (长期整改) — 我的待办's 待办问题 — and what
    waits for my decision (the review sections; a supervisor's list of overdue issues to chase
    is not among them, a leader's red items are). Their sum is the 我的待办 badge's share."""
    url = reverse("inspections:issue_list")
    mine = dict(my_queue(user=user).order_by().values_list("state").annotate(n=Count("id")))
    lines = [
        Attention(
            "issues_sign", _("已交办待签收的问题"), mine.get(IssueState.ASSIGNED, 0), f"{url}?state=assigned", "danger"
        ),
        Attention(
            "issues_rectify",
            _("整改中的问题"),
            mine.get(IssueState.RECTIFYING, 0),
            f"{url}?state=rectifying",
            "warning",
        ),
        Attention("issues_long_term", _("长期整改的问题"), mine.get(IssueState.LONG_TERM, 0), f"{url}?state=long_term"),
    ]
    sections = [section for section in review_queue(user=user) if section.key != "overdue"]
    tallied = _review_counts(user) if any(s.key in ("verify", "triage") for s in sections) else {}
    for section in sections:
        count = tallied[section.key] if section.key in tallied else section.queryset.order_by().count()
        lines.append(
            Attention(f"issues_{section.key}", str(section.label), count, f"{url}?{section.list_query}", "primary")
        )
    return lines


def _review_counts(user):
    """待核查 and 待受理 as :func:`review_queue` lists them, counted from the state tally
    (:func:`inspections.counting.seen_in_states`): the submitted issues seen less those of the
    person's own units, and the reports seen."""
    counts = counting.seen_in_states(user, [IssueState.SUBMITTED, IssueState.REPORTED])
    verify = counts[IssueState.SUBMITTED]
    if user.scope.unit_ids:
        own = Issue.objects.visible_to(user).filter(
            state=IssueState.SUBMITTED, responsible_unit_id__in=user.scope.unit_ids
        )
        verify -= own.count()
    return {"verify": verify, "triage": counts[IssueState.REPORTED]}


def submission_received(issue, user, client_key):
    """Whether ``user``'s 提交核查 with this phone key already arrived (a resend is no new one)."""
    return (
        bool(client_key)
        and issue.events.filter(action=IssueAction.SUBMIT, actor=user, changes__client_key=client_key).exists()
    )
