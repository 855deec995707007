"""问题 and its history: the state, deadline and unit are facts about the issue; the
events are its history and the evidence for accountability."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuangcheng.org.scoping import scope_for

from .categories import IssueCategory
from .inspections import Inspection


class IssueState(models.TextChoices):
    REPORTED = "reported", _("待受理")  # a citizen report or an inspector's draft, not yet accepted
    ASSIGNED = "assigned", _("已交办")  # sent to a unit; waiting for it to sign (签收)
    RECTIFYING = "rectifying", _("整改中")  # signed; the rectification clock runs
    SUBMITTED = "submitted", _("待核查")  # the unit says it is fixed; a supervisor checks
    CLOSED = "closed", _("已销号")  # verified fixed by someone outside the unit
    LONG_TERM = "long_term", _("长期整改")  # cannot be fixed quickly: a plan and a target date
    DISMISSED = "dismissed", _("不予立案")  # not a problem, or merged into another issue


OPEN_STATES = (
    IssueState.REPORTED,
    IssueState.ASSIGNED,
    IssueState.RECTIFYING,
    IssueState.SUBMITTED,
    IssueState.LONG_TERM,
)
# States in which the unit owes work against a deadline (overdue is derived from these).
CLOCK_STATES = (IssueState.ASSIGNED, IssueState.RECTIFYING)
# 0 for an issue whose clock runs, else 1: 整改期限最近 on the 问题清单 sorts by it first, so the
# nearest deadlines still owed come before the deadlines of issues long closed.
CLOCK_FIRST = Case(When(state__in=CLOCK_STATES, then=Value(0)), default=Value(1), output_field=models.IntegerField())


class IssueSource(models.TextChoices):
    PATROL = "patrol", _("巡查")
    COVERT = "covert", _("暗访")
    SUPERVISION = "supervision", _("督查")
    MOCK = "mock", _("模拟测评")
    CITIZEN = "citizen", _("随手拍")
    HOTLINE = "hotline", _("12345")
    MEDIA = "media", _("媒体曝光")
    LEADER = "leader", _("领导交办")
    HIGHER = "higher", _("上级反馈")  # a list of problems handed down by the province or nation


class Severity(models.TextChoices):
    GENERAL = "general", _("一般")  # the category's limit
    SERIOUS = "serious", _("较重")  # the category's limit (ranked higher in briefings)
    SEVERE = "severe", _("严重")  # half the category's limit
    NEGATIVE_LIST = "negative_list", _("负面清单")  # 立行立改: by the end of the working day


# The API list's orderings (IssueViewSet.ordering_fields, with id as the tie-breaker), held in
# the list's filter indexes so a page's ids are read from them alone.
SORT_COLUMNS = ["id", "created_at", "rectification_deadline", "sign_deadline", "severity_rank"]
# And the other way round: the list's common filters, held in each ordering's index, so a page of
# ids walks the index in order and tests the filter without reading the rows.
FILTER_COLUMNS = ["state", "region", "responsible_unit"]

# How serious each severity is, in the choices' order (一般 1 < 较重 2 < 严重 3 < 负面清单 4): what
# ``?ordering=severity`` sorts by — the stored codes sort alphabetically, which means nothing.
SEVERITY_RANK = {value: rank for rank, value in enumerate(Severity.values, start=1)}


class PendingRequest(models.TextChoices):
    NONE = "", _("无")
    REASSIGNMENT = "reassignment", _("申请退回")  # the unit says it is not theirs; a supervisor decides
    EXTENSION = "extension", _("申请延期")  # the unit asks for more time; a supervisor decides


class ReassignmentReason(models.TextChoices):
    TERRITORY = "territory", _("属地不符")
    OWNERSHIP = "ownership", _("权属不清")


@dataclass(frozen=True)
class Visibility:
    """Which issues a person sees (:func:`visibility`): every one, or those in the region
    subtrees ``region_paths`` (none inside another), of the units ``unit_ids`` or at the 包保
    sites ``site_ids``. The list counts (:mod:`inspections.counting`) read the same parts."""

    everything: bool = False
    region_paths: tuple = ()
    unit_ids: frozenset = frozenset()
    site_ids: frozenset = frozenset()

    def q(self):
        if self.everything:
            return Q()
        q = Q(responsible_unit_id__in=self.unit_ids)
        if self.region_paths:
            q |= in_subtrees(self.region_paths)
        if self.site_ids:
            q |= Q(site_id__in=self.site_ids)
        return q


def in_subtrees(paths):
    """Issues whose region lies in one of the subtrees ``paths``, written as ``region_id IN
    (those regions' ids)`` rather than a join to each row's region: PostgreSQL hashes the
    subtree's ids once and tests each row against them, where the join looked up every row's
    region by its key — a district's search at 1,000,000 issues walks ~9,000 newest rows to keep
    its ~1,000 (docs/performance.md, issue 18, twenty-ninth pass). Not
    :func:`chuangcheng.org.selectors.in_subtree`: its ``= ANY(ARRAY(…))`` is an index condition
    for the small tally tables, but tested row by row it scans the array (a district's 1,444
    ids) for each of the rows a list walks."""
    from chuangcheng.org.models import Region

    subtree = Q(pk__in=[])
    for path in paths:
        subtree |= Q(path__startswith=path)
    return Q(region_id__in=Region.objects.filter(subtree).values("pk"))


def visibility(user, *, within=None):
    """What :meth:`IssueQuerySet.visible_to` filters by (see there for ``within``)."""
    scope = scope_for(user)
    if scope.sees_all or scope.covers_all_regions:  # every issue has a region
        return Visibility(everything=True)
    if within is not None and scope.region_paths and str(within).isdigit():
        from chuangcheng.org.models import Region

        path = Region.objects.filter(pk=int(within)).values_list("path", flat=True).first()
        if path is not None and scope.covers_path(path):
            return Visibility(region_paths=(path,))
    return Visibility(region_paths=scope.subtrees, unit_ids=scope.unit_ids, site_ids=scope.site_ids)


class IssueQuerySet(models.QuerySet):
    def visible_to(self, user, *, within=None):
        """Admins all; supervisors and leaders their region subtree (leaders also their 包保
        sites); unit people the issues their units are responsible for.

        ``within``: the id of a region whose subtree the caller is about to filter to (a list's
        region filter). When the user's scope covers that subtree whole, every issue in it is
        visible: the result is that subtree alone, without the visibility OR — which would keep
        PostgreSQL from the (region, state) index (a district's count at 1,000,000 issues: 275
        ms with the OR, 4 ms without). Otherwise ``within`` is ignored; the caller's own region
        filter still applies, so the rows are the same either way."""
        seen = visibility(user, within=within)
        queryset = self.all() if seen.everything else self.filter(seen.q())
        queryset.seen = seen
        return queryset

    # What visible_to filtered by, kept through the queryset's copies: a search narrows the
    # pairs' index to it (inspections.search.scope_terms).
    seen = None

    def _clone(self):
        clone = super()._clone()
        clone.seen = self.seen
        return clone

    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, now=None):
        """Past the rectification deadline and still owed by the unit."""
        now = now or timezone.now()
        return self.filter(state__in=CLOCK_STATES, rectification_deadline__lt=now)


class Issue(models.Model):
    """问题: one problem found on the street, sent to a unit, fixed by a deadline, verified by
    someone else. The SLA clock starts at 签收 (``signed_at``); ``rectification_deadline`` is
    computed then from the category, severity and area class (or given by the supervisor)."""

    # FK columns led by a composite index below skip their own single-column index.
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("创建活动"),
        on_delete=models.PROTECT,
        related_name="issues",
        db_index=False,
    )
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查"), null=True, blank=True, on_delete=models.PROTECT, related_name="issues"
    )
    source = models.CharField(_("问题来源"), max_length=12, choices=IssueSource.choices)
    indicator = models.ForeignKey(
        "campaigns.Indicator",
        verbose_name=_("对应指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issues",
    )
    site = models.ForeignKey(
        "org.Site", verbose_name=_("测评点位"), null=True, blank=True, on_delete=models.PROTECT, related_name="issues"
    )
    category = models.ForeignKey(
        IssueCategory, verbose_name=_("问题类别"), on_delete=models.PROTECT, related_name="issues", db_index=False
    )
    description = models.TextField(_("问题描述"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    region = models.ForeignKey(
        "org.Region", verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="issues", db_index=False
    )
    severity = models.CharField(_("严重程度"), max_length=15, choices=Severity.choices, default=Severity.GENERAL)
    # The severity as a number (:data:`SEVERITY_RANK`), computed by the database from ``severity``
    # on every write — save, bulk_create, update(), COPY — so it cannot drift from it.
    severity_rank = models.GeneratedField(
        verbose_name=_("严重程度等级"),
        expression=Case(
            *(When(severity=value, then=Value(rank)) for value, rank in SEVERITY_RANK.items()),
            default=Value(0),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    urgent = models.BooleanField(_("紧急"), default=False)

    responsible_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issues",
        db_index=False,
    )
    state = models.CharField(_("状态"), max_length=12, choices=IssueState.choices, default=IssueState.REPORTED)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("交办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sign_deadline = models.DateTimeField(_("签收时限"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    rectification_deadline = models.DateTimeField(_("整改时限"), null=True, blank=True)
    deadline_set_by_supervisor = models.BooleanField(
        _("时限由督查员指定"), default=False, help_text=_("否则签收时按类别、严重程度和区域类别计算。")
    )
    submitted_at = models.DateTimeField(_("提交核查时间"), null=True, blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核查人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    recurrence_count = models.PositiveSmallIntegerField(_("反弹次数"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)

    pending_request = models.CharField(
        _("待审申请"), max_length=15, choices=PendingRequest.choices, blank=True, default=PendingRequest.NONE
    )
    request_reason = models.TextField(_("申请理由"), blank=True)
    requested_deadline = models.DateTimeField(_("申请延期至"), null=True, blank=True)

    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并至"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    dismiss_reason = models.TextField(_("不予立案理由"), blank=True)
    long_term_plan = models.TextField(_("长期整改方案"), blank=True)
    long_term_target_date = models.DateField(_("长期整改目标日期"), null=True, blank=True)
    possible_recurrence_of = models.ForeignKey(
        "self",
        verbose_name=_("疑似反弹自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="possible_recurrences",
        help_text=_("同类问题在 50 米内、30 天内刚销号。"),
    )

    feedback_number = models.CharField(
        _("反馈序号"), max_length=30, blank=True, help_text=_("上级反馈清单中的序号，整改情况报告按原顺序回复。")
    )
    feedback_order = models.PositiveIntegerField(_("反馈清单中的顺序"), null=True, blank=True)
    # A key the recording phone made for this record: a capture sent again after a dropped
    # network (the page queues it offline) finds the issue it already made instead of a second.
    client_key = models.CharField(_("客户端编号"), max_length=64, blank=True, default="", editable=False)

    reporter_phone = models.CharField(_("举报人电话"), max_length=20, blank=True)
    tracking_code = models.CharField(_("查询码"), max_length=20, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Overdue lists and reminders: open issues past their deadline.
            models.Index(fields=["state", "rectification_deadline"], name="insp_issue_state_deadline"),
            # A unit's queue (我的待办) sorted by deadline.
            # It and the next hold the list's sort columns, so a page's ids come from the index
            # alone (chuangcheng.pagination, "Ids first").
            models.Index(
                fields=["responsible_unit", "state", "rectification_deadline"],
                include=[c for c in SORT_COLUMNS if c != "rectification_deadline"],
                name="insp_issue_unit_queue",
            ),
            # Region subtree filters resolve regions by path, then hit this.
            models.Index(fields=["region", "state"], include=SORT_COLUMNS, name="insp_issue_region_state"),
            # The duplicate-photo check's neighbours: the newest issues of a region and of a unit
            # (inspections.photos.find_duplicates), read newest first and stopped at the limit.
            models.Index(fields=["region", "id"], name="insp_issue_region_recent"),
            models.Index(fields=["responsible_unit", "id"], name="insp_issue_unit_recent"),
            # The dashboards' always-visible lists: open 负面清单 items, and open items against
            # the weakest indicators, nearest deadline first (a small part of a big table).
            models.Index(
                fields=["campaign", "rectification_deadline"],
                condition=Q(severity="negative_list", state__in=OPEN_STATES),
                name="insp_issue_open_negative",
            ),
            # 负面清单 sent in a period (a briefing's list, the week's count): a few percent of
            # the period's assignments, without reading the others' rows.
            models.Index(
                fields=["campaign", "assigned_at"],
                condition=Q(severity="negative_list"),
                name="insp_issue_negative_assigned",
            ),
            # 超期未改 lists of a briefing (典型问题, overdue by unit): the issues with the clock
            # running, ranked by severity and deadline within each district and unit from the
            # index alone (an index-only scan instead of reading every issue's row). With the
            # state, the tallies' count of those due today and already past (per state, any
            # scope: inspections.counting._tallied) reads the day's entries alone: 7.3 → 0.5 ms
            # for a street's cold overview at 1,000,000 issues (1,007 due that day city-wide).
            models.Index(
                fields=["campaign", "rectification_deadline"],
                include=["id", "assigned_at", "severity", "responsible_unit", "region", "state"],
                condition=Q(state__in=CLOCK_STATES),
                name="insp_issue_clock_deadline",
            ),
            models.Index(
                fields=["indicator", "rectification_deadline"],
                condition=Q(indicator__isnull=False, state__in=OPEN_STATES),
                name="insp_issue_open_indicator",
            ),
            # The same two lists for a street or a community: its few regions' open items read
            # directly (an index range per region), where the deadline order above walks the
            # city's open items of that indicator to find the street's — 12.7 → 5.0 ms (weak
            # spots) and 5.3 → 2.4 ms (负面清单) for a street's cold overview at 1,000,000 issues.
            # PostgreSQL picks between each pair by the scope's size (a district still walks).
            models.Index(
                fields=["indicator", "region", "rectification_deadline"],
                condition=Q(indicator__isnull=False, state__in=OPEN_STATES),
                name="insp_issue_open_ind_region",
            ),
            models.Index(
                fields=["campaign", "region", "rectification_deadline"],
                condition=Q(severity="negative_list", state__in=OPEN_STATES),
                name="insp_issue_open_neg_region",
            ),
            models.Index(fields=["category", "created_at"], name="insp_issue_category_created"),
            models.Index(fields=["campaign", "state", "created_at"], name="insp_issue_campaign_state"),
            # The API's default order (newest first; chuangcheng.pagination "Ids first").
            models.Index(fields=["created_at", "id"], include=FILTER_COLUMNS, name="insp_issue_created"),
            # Bounding-box prefilter for near-duplicates and recurrence (same category, ±50 m).
            models.Index(fields=["category", "latitude", "longitude"], name="insp_issue_category_latlng"),
            models.Index(fields=["closed_at"], name="insp_issue_closed_at"),
            models.Index(fields=["assigned_at"], name="insp_issue_assigned_at"),  # 新交办 of a period
            # Open issues never sent (none through the services): the few the backlog figures
            # read from the tallies take off (chuangcheng.reports.figures.sets.kept_backlog).
            models.Index(
                fields=["campaign"],
                name="insp_issue_open_unsent",
                condition=Q(assigned_at__isnull=True, state__in=OPEN_STATES[1:]),  # sent: all but 待受理
            ),
            # The API's orderings, each with id as its tie-breaker (chuangcheng.pagination): a
            # page at any depth is an index range, never a sort of every visible row.
            # They hold the common filters (FILTER_COLUMNS): a page's ids come from the index alone.
            models.Index(
                fields=["rectification_deadline", "id"], include=FILTER_COLUMNS, name="insp_issue_order_deadline"
            ),
            # The page's 整改期限最近: issues still owed first (CLOCK_FIRST), then by deadline.
            models.Index(CLOCK_FIRST, F("rectification_deadline"), F("id"), name="insp_issue_order_clock"),
            models.Index(fields=["sign_deadline", "id"], include=FILTER_COLUMNS, name="insp_issue_order_sign"),
            models.Index(fields=["severity_rank", "id"], include=FILTER_COLUMNS, name="insp_issue_order_severity_rank"),
            # Not this one: with the region in it, a district's count read the whole city's issues
            # in the state from it (15 ms at 1M) rather than the district's from the next.
            models.Index(fields=["state", "id"], name="insp_issue_order_state"),
            # The reminder pass also reads the issues in a window that changed since its last pass
            # (signed, extended, reopened): those with the clock running, by last change.
            models.Index(fields=["updated_at"], condition=Q(state__in=CLOCK_STATES), name="insp_issue_clock_updated"),
            # 延期申请 / 申请退回 waiting for a decision (我的待办's sections, the home page's
            # 需要我处理, the list's 待决定的申请 filter): a few among a million, nearest deadline
            # first — a count was a scan of every issue (370 ms at 1,000,000).
            models.Index(
                fields=["pending_request", "rectification_deadline", "id"],
                condition=~Q(pending_request=""),
                name="insp_issue_pending_request",
            ),
            # 签收超时 reminders: assigned issues waiting to be signed, by sign-by time.
            models.Index(
                fields=["sign_deadline"],
                condition=Q(state="assigned", signed_at__isnull=True),
                name="insp_issue_unsigned",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "client_key"], condition=~Q(client_key=""), name="insp_issue_client_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="insp_issue_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="insp_issue_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="insp_issue_latlng_both_or_neither",
                violation_error_message=_("经纬度须同时填写。"),
            ),
            models.CheckConstraint(
                condition=Q(state__in=[IssueState.REPORTED, IssueState.DISMISSED]) | Q(responsible_unit__isnull=False),
                name="insp_issue_unit_when_assigned",
                violation_error_message=_("已交办的问题必须有责任单位。"),
            ),
            models.CheckConstraint(
                condition=~Q(state=IssueState.DISMISSED) | ~Q(dismiss_reason=""),
                name="insp_issue_dismiss_reason",
                violation_error_message=_("不予立案须说明理由。"),
            ),
            models.CheckConstraint(
                condition=~Q(state=IssueState.CLOSED) | Q(closed_at__isnull=False),
                name="insp_issue_closed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=IssueState.LONG_TERM) | Q(long_term_target_date__isnull=False),
                name="insp_issue_long_term_target",
                violation_error_message=_("长期整改须有目标日期。"),
            ),
            models.CheckConstraint(condition=~Q(merged_into=models.F("id")), name="insp_issue_not_merged_into_self"),
            models.UniqueConstraint(
                fields=["tracking_code"], condition=~Q(tracking_code=""), name="insp_issue_unique_tracking_code"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.category.name if self.category_id else ''} {self.address}".strip()

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding:
            # An UPDATE does not read back what the database computed (an INSERT does): forget
            # the old rank, so the next read loads the one that goes with the saved severity.
            self.__dict__.pop("severity_rank", None)

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    def is_overdue(self, now=None):
        now = now or timezone.now()
        return (
            self.state in CLOCK_STATES and self.rectification_deadline is not None and self.rectification_deadline < now
        )

    def traffic_light(self, now=None, *, due_soon=None):
        """green on track, yellow due within ``due_soon`` (default 1 day), red overdue;
        "done" for closed/dismissed, "" when no deadline runs yet."""
        now = now or timezone.now()
        if not self.is_open:
            return "done"
        if self.rectification_deadline is None or self.state not in CLOCK_STATES:
            return ""
        if self.rectification_deadline < now:
            return "red"
        if self.rectification_deadline - now <= (due_soon or dt.timedelta(days=1)):
            return "yellow"
        return "green"


class IssueAction(models.TextChoices):
    CREATE = "create", _("登记")
    ACCEPT = "accept", _("立案交办")
    MERGE = "merge", _("合并")
    MERGED_IN = "merged_in", _("并入问题")
    DISMISS = "dismiss", _("不予立案")
    ASSIGN = "assign", _("改派")
    SIGN = "sign", _("签收")
    REQUEST_REASSIGNMENT = "request_reassignment", _("申请退回")
    REASSIGN = "reassign", _("同意退回并改派")
    INSIST = "insist", _("驳回退回申请")
    REQUEST_EXTENSION = "request_extension", _("申请延期")
    APPROVE_EXTENSION = "approve_extension", _("同意延期")
    REFUSE_EXTENSION = "refuse_extension", _("不同意延期")
    SUBMIT = "submit", _("提交核查")
    VERIFY = "verify", _("核查销号")
    REJECT = "reject", _("核查退回")
    MOVE_LONG_TERM = "move_long_term", _("转长期整改")
    LONG_TERM_PROGRESS = "long_term_progress", _("长期整改进展")
    REOPEN = "reopen", _("反弹重办")
    PHOTO = "photo", _("上传照片")


class IssueEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An event follows its issue."""
        return self.filter(issue__in=Issue.objects.visible_to(user))


class IssueEvent(models.Model):
    """The issue's history: who did what, when, with what comment, which values changed and
    which photos. Append-only: written by :mod:`inspections.services` in the transaction of the
    change it records, never edited."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="events", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=20, choices=IssueAction.choices)
    from_state = models.CharField(_("原状态"), max_length=12, choices=IssueState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=12, choices=IssueState.choices, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    objects = IssueEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题记录")
        verbose_name_plural = _("问题记录")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["issue", "created_at"], name="insp_event_issue_time"),
            # Figures: verifications, rejections and extensions in a period; holding the issue and
            # the id, a period's returns are tested against the flagged photos (弄虚作假) without
            # reading their rows (1,700 heap pages a week city-wide at 1,000,000 issues).
            models.Index(fields=["action", "created_at"], include=["issue", "id"], name="insp_event_action_time"),
            # Who took part in a rectification (permissions.took_part) when the planner reads one
            # person's sign/submit events rather than the issues' (insp_event_issue_time).
            models.Index(fields=["actor", "action"], name="insp_event_actor_action"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} · #{self.issue_id}"
