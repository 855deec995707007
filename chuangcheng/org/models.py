"""Where and who: people, regions, units, memberships, sites and the working calendar.

Scoping lives here too: every queryset has ``visible_to(user)``, built from the user's
:class:`~chuangcheng.org.scoping.Scope` so pages, API and exports answer the same.
"""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .scoping import scope_for


class User(AbstractUser):
    """A person who signs in. Roles come from :class:`Membership`, never from flags here
    (``is_superuser`` aside, which counts as a system administrator)."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    # Set when someone else chose the password (the admin's 新增用户 or 修改密码; an import of
    # accounts must set it too); the person picks their own before any page or API call
    # (chuangcheng.org.middleware, chuangcheng.org.passwords).
    must_change_password = models.BooleanField(
        _("须修改密码"),
        default=False,
        db_default=False,
        help_text=_("勾选后，该用户下次登录须先修改密码，才能使用其他页面和接口。"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @property
    def scope(self):
        return scope_for(self)


class RegionLevel(models.TextChoices):
    CITY = "city", _("市")  # 地级市
    COUNTY = "county", _("区县")  # 区/县/县级市
    TOWN = "town", _("街道乡镇")
    VILLAGE = "village", _("社区村")
    GRID = "grid", _("网格")


LEVEL_DEPTH = {
    RegionLevel.CITY: 1,
    RegionLevel.COUNTY: 2,
    RegionLevel.TOWN: 3,
    RegionLevel.VILLAGE: 4,
    RegionLevel.GRID: 5,
}


class AreaClass(models.TextChoices):
    """数字城管 area classes: deadlines may differ by class."""

    A = "A", _("A类（核心区）")
    B = "B", _("B类（一般区）")
    C = "C", _("C类（外围区）")


class RegionQuerySet(models.QuerySet):
    def subtree(self, region):
        """This region and everything under it: one indexed prefix query on ``path``."""
        return self.filter(path__startswith=region.path)

    def visible_to(self, user):
        scope = scope_for(user)
        if scope.sees_all:
            return self
        return self.filter(scope.region_q("path", include_home=True) | Q(path__in=scope.ancestor_paths))


class Region(models.Model):
    """A node of the division tree: city → county → town → village → grid.

    ``path`` is the materialized path of primary keys (``/1/17/230/``), so a subtree is one
    ``LIKE 'prefix%'`` on an index. It is kept by :mod:`chuangcheng.org.services` only.
    """

    code = models.CharField(_("区划代码"), max_length=15, unique=True, null=True, blank=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=255, editable=False, db_index=False, default="")
    area_class = models.CharField(_("区域类别"), max_length=1, choices=AreaClass.choices, default=AreaClass.B)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="org_region_path_like", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["parent", "name"], name="org_region_parent_name"),
            models.Index(fields=["level"], name="org_region_level"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="org_region_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    @property
    def depth(self):
        return LEVEL_DEPTH[self.level]

    def ancestor_ids(self):
        return [int(p) for p in self.path.strip("/").split("/") if p][:-1]

    def ancestors(self):
        """Root first, excluding this region."""
        by_id = Region.objects.in_bulk(self.ancestor_ids())
        return [by_id[i] for i in self.ancestor_ids() if i in by_id]

    def full_name(self):
        return "".join(r.name for r in [*self.ancestors(), self])

    def clean(self):
        if self.parent_id and self.parent.depth >= self.depth:
            raise ValidationError({"level": _("下级区划的层级必须低于上级区划。")})


class UnitKind(models.TextChoices):
    FUNCTIONAL = "functional", _("职能部门（条）")  # 城管局、卫健委、市场监管局……
    TERRITORIAL = "territorial", _("属地（块）")  # 区政府、街道办、社区居委会
    OTHER = "other", _("其他单位")  # 学校、医院、企业


class UnitLevel(models.TextChoices):
    CITY = "city", _("市直")
    DISTRICT = "district", _("区直")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")


class UnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        if scope.sees_all:
            return self
        return self.filter(
            scope.region_q("region__path") | Q(region__path__in=scope.ancestor_paths) | Q(id__in=scope.unit_ids)
        )


class Unit(models.Model):
    """A body that owns work. Territorial units own their region (属地); functional departments
    work across their jurisdiction region by line of business (条)."""

    name = models.CharField(_("单位名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.CharField(_("类型"), max_length=12, choices=UnitKind.choices)
    level = models.CharField(_("层级"), max_length=10, choices=UnitLevel.choices)
    region = models.ForeignKey(Region, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="org_unit_unique_name_in_region"),
        ]
        indexes = [models.Index(fields=["kind", "level"], name="org_unit_kind_level")]

    def __str__(self):
        return self.name


class AliasSource(models.TextChoices):
    MANUAL = "manual", _("手工录入")  # typed in the admin
    DIRECTORY = "directory", _("单位名录")  # imported with a 单位名录
    CONFIRMED = "confirmed", _("导入时确认")  # an import preview's inferred match, confirmed


class UnitAlias(models.Model):
    """简称/别名: another name people write for a unit (住建局, 市城管局, 卫健委). Imports match
    a name against full names first, then these; a match an import preview inferred (by
    abbreviation or containment) is remembered here once the import is confirmed."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("简称/别名"), max_length=100)
    source = models.CharField(_("来源"), max_length=10, choices=AliasSource.choices, default=AliasSource.MANUAL)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("单位别名")
        verbose_name_plural = _("单位别名")
        ordering = ["unit", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="org_unitalias_unique")]
        indexes = [models.Index(fields=["name"], name="org_unitalias_name")]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    STAFF = "staff", _("经办人")
    UNIT_HEAD = "unit_head", _("单位负责人")
    SUPERVISOR = "supervisor", _("督查员")
    LEADER = "leader", _("包保领导")
    ADMIN = "admin", _("系统管理员")


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        if scope.sees_all:
            return self
        return self.filter(Q(user=user) | Q(unit_id__in=scope.unit_ids))


class Membership(models.Model):
    """A person's role in a unit. A supervisor's or leader's scope is a region subtree:
    ``scope_region`` when given, else the unit's own region."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)
    scope_region = models.ForeignKey(
        Region,
        verbose_name=_("管辖范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("督查员、包保领导的管辖区域；留空则为所在单位的辖区。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("人员与角色")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="org_membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class SiteType(models.TextChoices):
    MAIN_ROAD = "main_road", _("主次干道")
    BACK_STREET = "back_street", _("背街小巷")
    MARKET = "market", _("农贸市场")
    RESIDENTIAL = "residential", _("居民小区")
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    SERVICE_WINDOW = "service_window", _("窗口单位")
    CONSTRUCTION = "construction", _("建筑工地")
    PARK = "park", _("公园广场")
    STATION = "station", _("车站")
    SCENIC = "scenic", _("旅游景区")
    TOILET = "toilet", _("公共厕所")
    STORE_STREET = "store_street", _("商业大街")
    BUS_STOP = "bus_stop", _("公交站点")
    COMMUNITY = "community", _("城市社区")
    CULTURAL_VENUE = "cultural_venue", _("文化场馆")


class SiteQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        if scope.sees_all:
            return self
        return self.filter(
            scope.region_q("region__path") | Q(responsible_unit_id__in=scope.unit_ids) | Q(id__in=scope.site_ids)
        )


class Site(models.Model):
    """测评点位: a place evaluators inspect (a road segment, a market, a school…)."""

    site_type = models.CharField(_("点位类型"), max_length=20, choices=SiteType.choices)
    name = models.CharField(_("点位名称"), max_length=120)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="sites")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    responsible_unit = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="sites"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("测评点位")
        verbose_name_plural = _("测评点位")
        ordering = ["region__path", "site_type", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "site_type", "name"], name="org_site_unique_in_region"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="org_site_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="org_site_longitude_range",
            ),
        ]

    def __str__(self):
        return self.name


class CalendarOverride(models.Model):
    """An admin's correction to the working calendar: a day declared working or off,
    overriding weekends and the holiday library (e.g. a year the library does not know yet)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {_('工作日') if self.is_workday else _('休息日')}"


class HolidayYear(models.Model):
    """A year whose 国务院办公厅 holiday notice has been loaded as :class:`CalendarOverride` rows
    (``import_calendar``). The working calendar knows a year when the chinesecalendar library
    does or when a row here says so; deadlines in any other year are estimates (weekends only)."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("依据"), max_length=200, blank=True, help_text=_("如：国办发明电〔2026〕X号"))
    loaded_at = models.DateTimeField(_("导入时间"), auto_now=True)

    class Meta:
        verbose_name = _("节假日安排年份")
        verbose_name_plural = _("节假日安排年份")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class AssignmentKind(models.TextChoices):
    BAOBAO = "baobao", _("包保领导")
    IN_CHARGE = "in_charge", _("分管领导")
    FIRST_RESPONSIBLE = "first_responsible", _("第一责任人")


class LeaderAssignmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        if scope.sees_all:
            return self
        return self.filter(
            Q(leader=user)
            | Q(unit_id__in=scope.unit_ids)
            | scope.region_q("region__path")
            | scope.region_q("site__region__path")
        )


class LeaderAssignment(models.Model):
    """领导包保: within a campaign, a leader (or a city department, "条包块管") answers for a
    region or a site. A leader's assigned regions widen what that leader sees. (A leader
    assigned to a task: ``tasks.TaskLeader`` — the tasks app sits above this one.)"""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="leader_assignments"
    )
    leader = models.ForeignKey(
        User, verbose_name=_("领导"), null=True, blank=True, on_delete=models.CASCADE, related_name="leader_assignments"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("包保单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="leader_assignments",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("包保区域"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="leader_assignments",
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("包保点位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="leader_assignments",
    )
    kind = models.CharField(_("责任类型"), max_length=20, choices=AssignmentKind.choices, default=AssignmentKind.BAOBAO)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = LeaderAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("领导包保")
        verbose_name_plural = _("领导包保")
        constraints = [
            models.CheckConstraint(
                condition=(Q(leader__isnull=False) & Q(unit__isnull=True))
                | (Q(leader__isnull=True) & Q(unit__isnull=False)),
                name="org_assignment_leader_xor_unit",
                violation_error_message=_("请填写领导或包保单位（二选一）。"),
            ),
            models.CheckConstraint(
                condition=(Q(region__isnull=False) & Q(site__isnull=True))
                | (Q(region__isnull=True) & Q(site__isnull=False)),
                name="org_assignment_region_or_site",
                violation_error_message=_("包保区域、包保点位二者填写且只填写一项。"),
            ),
            models.UniqueConstraint(
                fields=["campaign", "leader", "region", "kind"],
                condition=Q(leader__isnull=False, region__isnull=False),
                name="org_assignment_unique_leader_region",
            ),
        ]

    def __str__(self):
        who = self.leader or self.unit
        where = self.region or self.site
        return f"{who} → {where}（{self.get_kind_display()}）"
