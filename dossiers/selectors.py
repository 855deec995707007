"""Reads of the dossiers that are more than a filter.

:func:`completeness` is the one computation of 材料完成率 and its lists (缺项 / 待审 / 退回), by
indicator and by unit: the completeness page, the API and — once wired — the dashboard and the
weekly briefing all read it, so the figure never disagrees with itself. It costs four queries
whatever the number of requirements.
"""

from dataclasses import asdict, dataclass, field

from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.org.models import Region, Unit

from .models import DossierEvent, Material, MaterialVersion, Requirement, overdue_q


def definition():
    """材料完成率 in the words shown next to it (the shape of ``reports.definitions.Definition``)."""
    return {
        "key": "dossier_completion_rate",
        "label": _("材料完成率"),
        "formula": _("审核通过的材料要求数 ÷ 材料要求总数 × 100%"),
        "counts": _(
            "材料要求：测评方法为材料审核或网上申报的指标下，创建办设置的每一项应报材料；"
            "已上传的材料全部审核通过才算通过；没有材料要求时不计算"
        ),
        "period": _("截至当前（不按统计期）"),
    }


@dataclass
class Counts:
    """How many requirements are in each status (and how many are past their deadline)."""

    total: int = 0
    approved: int = 0
    pending: int = 0
    returned: int = 0
    missing: int = 0
    overdue: int = 0  # deadline passed and not approved

    def add(self, status, n):
        self.total += n
        setattr(self, status, getattr(self, status) + n)

    @property
    def rate(self):
        """材料完成率 in percent (one decimal), or ``None`` without requirements."""
        return round(100 * self.approved / self.total, 1) if self.total else None

    def as_dict(self):
        return {**asdict(self), "rate": self.rate}


@dataclass
class Row:
    """Counts for one indicator or one unit."""

    id: int
    code: str
    name: str
    counts: Counts = field(default_factory=Counts)

    def as_dict(self):
        return {"id": self.id, "code": self.code, "name": self.name, **self.counts.as_dict()}


@dataclass
class Completeness:
    totals: Counts
    by_indicator: list
    by_unit: list

    def as_dict(self):
        return {
            "totals": self.totals.as_dict(),
            "by_indicator": [r.as_dict() for r in self.by_indicator],
            "by_unit": [r.as_dict() for r in self.by_unit],
            "definition": definition(),
        }


def _scoped(requirements, scope):
    """``scope``: ``None`` (the whole campaign), a :class:`Region` (requirements with a
    responsible unit in its subtree) or a :class:`Unit` (that unit's requirements)."""
    through = Requirement.units.through.objects
    if isinstance(scope, Region):
        return requirements.filter(
            pk__in=through.filter(unit__region__path__startswith=scope.path).values("requirement_id")
        )
    if isinstance(scope, Unit):
        return requirements.filter(pk__in=through.filter(unit_id=scope.pk).values("requirement_id"))
    return requirements


def _totals(base, overdue):
    totals = Counts()
    for status, n, late in base.values_list("status").annotate(n=Count("id"), late=Count("id", filter=overdue)):
        totals.add(status, n)
        totals.overdue += late
    return totals


def completeness_totals(campaign, scope=None, *, today=None):
    """The ``totals`` of :func:`completeness` alone (one query): the dashboard's headline shows
    the rate on every load, without the by-indicator and by-unit counts."""
    base = _scoped(Requirement.objects.filter(campaign=campaign), scope).order_by()
    return _totals(base, overdue_q(today or timezone.localdate()))


def completeness(campaign, scope=None, *, requirements=None, today=None):
    """材料完成率 and the counts behind it for one campaign, by indicator and by unit.

    ``requirements``: a narrower starting queryset (a person's ``visible_to``); by default every
    requirement of the campaign. A requirement shared by several units counts once in the
    totals and once for each of its units in ``by_unit`` (with the requirement's status)."""
    today = today or timezone.localdate()
    base = requirements if requirements is not None else Requirement.objects.all()
    base = _scoped(base.filter(campaign=campaign), scope).order_by()
    overdue = overdue_q(today)
    totals = _totals(base, overdue)

    indicators = {}
    rows = base.values_list("indicator_id", "indicator__code", "indicator__name", "indicator__sort_key", "status")
    for ind_id, code, name, sort_key, status, n, late in rows.annotate(n=Count("id"), late=Count("id", filter=overdue)):
        row = indicators.setdefault(ind_id, (sort_key, Row(ind_id, code, name)))[1]
        row.counts.add(status, n)
        row.counts.overdue += late

    unit_rows = {}
    through = Requirement.units.through.objects.filter(requirement__in=base.values("pk"))
    if isinstance(scope, Region):
        through = through.filter(unit__region__path__startswith=scope.path)
    elif isinstance(scope, Unit):
        through = through.filter(unit_id=scope.pk)
    late_q = overdue_q(today, through="requirement__")
    for unit_id, name, status, n, late in (
        through.order_by()
        .values_list("unit_id", "unit__name", "requirement__status")
        .annotate(n=Count("id"), late=Count("id", filter=late_q))
    ):
        row = unit_rows.setdefault(unit_id, Row(unit_id, "", name))
        row.counts.add(status, n)
        row.counts.overdue += late

    by_indicator = [row for _key, row in sorted(indicators.values(), key=lambda pair: pair[0])]
    # Units: the least complete first (what the office chases), then by name.
    by_unit = sorted(unit_rows.values(), key=lambda r: (r.counts.rate if r.counts.rate is not None else 101, r.name))
    return Completeness(totals=totals, by_indicator=by_indicator, by_unit=by_unit)


def requirement_list(*, user, campaign=None, status=None, unit=None, indicator=None):
    """The requirements ``user`` sees, in indicator order, with what a list row shows."""
    qs = Requirement.objects.visible_to(user).select_related("indicator", "campaign")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if status:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else status)
    if unit is not None:
        qs = qs.filter(units=unit)
    if indicator is not None:
        qs = qs.filter(indicator=indicator)
    return qs.prefetch_related(Prefetch("units", queryset=Unit.objects.order_by("name"))).order_by(
        "indicator__sort_key", "id"
    )


def requirement_materials(requirement):
    """A requirement's materials, each with every version (newest first) and its uploader: two
    queries however many there are."""
    versions = MaterialVersion.objects.select_related("uploaded_by", "duplicate_of__material__requirement").order_by(
        "-number"
    )
    return list(
        requirement.materials.select_related("unit", "current_version", "reviewed_by")
        .prefetch_related(Prefetch("versions", queryset=versions))
        .order_by("created_at", "id")
    )


def requirement_timeline(requirement):
    return list(
        DossierEvent.objects.filter(requirement=requirement)
        .select_related("actor", "version")
        .order_by("created_at", "id")
    )


def material_for(user, material_id):
    """A material ``user`` may see (or ``None``)."""
    return (
        Material.objects.filter(pk=material_id, requirement__in=Requirement.objects.visible_to(user))
        .select_related("requirement__campaign", "requirement__indicator", "current_version", "unit")
        .first()
    )
