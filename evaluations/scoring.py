"""The simulated score of a round — the one computation of it (pages, report, API, 短板 and the
briefing read it).

Definitions (printed as :data:`SCORE_RULE`):

- **点位扣分** for a site and an indicator: the points of the indicator's items that failed at
  the site, at most the indicator's score (扣完为止).
- **指标得分** in a scope (a district, the city, a street): the indicator's score less the mean
  of its 点位扣分 over the sites of the scope that answered at least one of its items as 合格 or
  不合格 (不涉及 does not count).
- **模拟得分（百分制）** of a scope: the sum of its indicators' scores ÷ the sum of their full
  scores × 100, over the indicators checked in the scope. **失分** = full − scored.
- **合格率**: 合格 ÷ (合格 + 不合格) answers — the figure for unscored standards, shown beside
  the score everywhere.

An indicator's score is its ``effective_score`` (the standard's score, or the printed rule's
estimate where the standard leaves it empty).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from chuangcheng.campaigns.models import Indicator

from .models import Answer, Result, Round, RoundSite, RoundState

TWO = Decimal("0.01")
ZERO = Decimal(0)

SCORE_RULE_TEXT = gettext_noop(
    "点位扣分＝该点位该指标不合格考察内容的扣分之和（不超过指标分值）；指标得分＝指标分值－测评点位扣分的平均数"
    "（只计该指标有“合格”或“不合格”结果的点位）；模拟得分（百分制）＝各指标得分之和÷各指标分值之和×100，"
    "失分＝分值－得分；合格率＝合格项÷（合格项＋不合格项）。"
)
SCORE_RULE = _(SCORE_RULE_TEXT)


def q2(value):
    return Decimal(value).quantize(TWO, ROUND_HALF_UP)


def pass_rate(passed, failed):
    """合格率 in %: 合格 ÷ (合格 + 不合格), or None when nothing was answered either way."""
    answered = passed + failed
    return q2(Decimal(100) * passed / answered) if answered else None


@dataclass
class IndicatorScore:
    indicator_id: int
    code: str
    name: str
    full: Decimal
    sites: int = 0
    lost_total: Decimal = ZERO  # Σ 点位扣分
    passed: int = 0
    failed: int = 0
    negative_list_failed: int = 0

    @property
    def lost(self):
        return q2(self.lost_total / self.sites) if self.sites else ZERO

    @property
    def score(self):
        return q2(self.full - self.lost)

    @property
    def pass_rate(self):
        return pass_rate(self.passed, self.failed)

    def as_dict(self):
        return {
            "indicator": self.indicator_id,
            "code": self.code,
            "name": self.name,
            "full": str(q2(self.full)),
            "score": str(self.score),
            "lost": str(self.lost),
            "sites": self.sites,
            "passed": self.passed,
            "failed": self.failed,
            "pass_rate": None if self.pass_rate is None else str(self.pass_rate),
            "negative_list_failed": self.negative_list_failed,
        }


@dataclass
class ScopeScore:
    key: object
    name: str
    indicators: dict = field(default_factory=dict)  # indicator_id → IndicatorScore
    sites_answered: int = 0
    sites_total: int = 0

    @property
    def full(self):
        return sum((i.full for i in self.indicators.values() if i.sites), ZERO)

    @property
    def scored(self):
        return sum((i.score for i in self.indicators.values() if i.sites), ZERO)

    @property
    def lost(self):
        return q2(self.full - self.scored)

    @property
    def score(self):
        """模拟得分（百分制）, or None before any site has answered."""
        return q2(Decimal(100) * self.scored / self.full) if self.full else None

    @property
    def lost_shown(self):
        """失分 as read: None (shown “—”) before any site has answered, as the score — a 0.00 of a
        round not yet measured would read as a perfect score."""
        return None if self.score is None else self.lost

    @property
    def negative_list_failed(self):
        """负面清单 items failed in the scope: shown as a warning whatever the points."""
        return sum(i.negative_list_failed for i in self.indicators.values())

    @property
    def passed(self):
        return sum(i.passed for i in self.indicators.values())

    @property
    def failed(self):
        return sum(i.failed for i in self.indicators.values())

    @property
    def pass_rate(self):
        return pass_rate(self.passed, self.failed)

    def as_dict(self):
        return {
            "key": self.key,
            "name": self.name,
            "score": None if self.score is None else str(self.score),
            "full": str(q2(self.full)),
            "scored": str(q2(self.scored)),
            "lost": str(self.lost),
            "pass_rate": None if self.pass_rate is None else str(self.pass_rate),
            "passed": self.passed,
            "failed": self.failed,
            "negative_list_failed": self.negative_list_failed,
            "sites_answered": self.sites_answered,
            "sites_total": self.sites_total,
            "indicators": [i.as_dict() for i in sorted(self.indicators.values(), key=_indicator_order)],
        }


def _indicator_order(i):
    return Indicator.sort_key_for(i.code)


@dataclass
class SiteScore:
    round_site_id: int
    site_id: int
    name: str
    site_type: str
    district_id: int
    path: str
    answered: bool
    passed: int = 0
    failed: int = 0
    na: int = 0
    by_indicator: dict = field(default_factory=dict)  # indicator_id → 点位扣分 (capped)

    @property
    def lost(self):
        return q2(sum(self.by_indicator.values(), ZERO))


@dataclass
class RoundScore:
    round: Round
    city: ScopeScore
    districts: list  # ScopeScore, ranked (best first; unanswered last)
    sites: list  # SiteScore
    indicators: dict  # indicator_id → Indicator values

    def district(self, district_id):
        return next((d for d in self.districts if d.key == district_id), None)

    def as_dict(self):
        return {
            "round": self.round.pk,
            "definition": str(SCORE_RULE),
            "city": self.city.as_dict(),
            "districts": [{"rank": rank, **d.as_dict()} for rank, d in ranked(self.districts)],
        }


def _site_rows(round_, path=None):
    sites = RoundSite.objects.filter(round=round_)
    if path:
        sites = sites.filter(site__region__path__startswith=path)
    return sites.values_list(
        "pk", "site_id", "site__name", "site__site_type", "district_id", "site__region__path", "answered_at"
    )


def _answer_rows(round_, path=None):
    answers = Answer.objects.filter(round_site__round=round_).exclude(result=Result.NOT_APPLICABLE)
    if path:
        answers = answers.filter(round_site__site__region__path__startswith=path)
    return answers.values_list("round_site_id", "item__indicator_id", "item__points", "item__negative_list", "result")


def round_score(round_, *, path=None):
    """Score ``round_`` (only the sites under ``path`` when given): two queries for the answers
    and the sites, one for the indicators, one for the district names."""
    from chuangcheng.org.models import Region

    sites = {}
    for pk, site_id, name, site_type, district_id, site_path, answered_at in _site_rows(round_, path):
        sites[pk] = SiteScore(pk, site_id, name, site_type, district_id, site_path, answered_at is not None)
    failed_points = defaultdict(lambda: ZERO)  # (round_site, indicator) → Σ points
    touched = defaultdict(lambda: [0, 0, 0])  # (round_site, indicator) → [passed, failed, negative failed]
    for round_site_id, indicator_id, points, negative, result in _answer_rows(round_, path):
        t = touched[(round_site_id, indicator_id)]
        if result == Result.FAIL:
            failed_points[(round_site_id, indicator_id)] += points
            t[1] += 1
            t[2] += 1 if negative else 0
        else:
            t[0] += 1
    indicator_ids = {k[1] for k in touched}
    indicators = {
        i["pk"]: i
        for i in Indicator.objects.filter(pk__in=indicator_ids).values(
            "pk", "code", "name", "effective_score", "max_score"
        )
    }

    def full_of(indicator_id):
        i = indicators[indicator_id]
        return Decimal(i["effective_score"] if i["effective_score"] is not None else (i["max_score"] or 0))

    district_ids = {s.district_id for s in sites.values()}
    names = dict(Region.objects.filter(pk__in=district_ids).values_list("pk", "name"))
    city = ScopeScore("city", round_.region.name)
    districts = {d: ScopeScore(d, names.get(d, "")) for d in district_ids}
    for site in sites.values():
        for scope in (city, districts[site.district_id]):
            scope.sites_total += 1
            scope.sites_answered += 1 if site.answered else 0
    for (round_site_id, indicator_id), (passed, failed, negative_failed) in touched.items():
        site = sites.get(round_site_id)
        if site is None:
            continue
        full = full_of(indicator_id)
        lost = min(full, failed_points[(round_site_id, indicator_id)])
        site.by_indicator[indicator_id] = lost
        site.passed += passed
        site.failed += failed
        for scope in (city, districts[site.district_id]):
            ind = scope.indicators.get(indicator_id)
            if ind is None:
                i = indicators[indicator_id]
                ind = scope.indicators[indicator_id] = IndicatorScore(indicator_id, i["code"], i["name"], q2(full))
            ind.sites += 1
            ind.lost_total += lost
            ind.passed += passed
            ind.failed += failed
            ind.negative_list_failed += negative_failed
    ranked = sorted(
        districts.values(),
        key=lambda d: (d.score is None, -(d.score or 0), d.name),
    )
    return RoundScore(round_, city, ranked, sorted(sites.values(), key=lambda s: (s.path, s.name)), indicators)


def ranked(districts):
    """``(rank, district)``: districts with a score ranked 1, 2…; those not yet measured get None."""
    n = 0
    for d in districts:
        if d.score is None:
            yield None, d
        else:
            n += 1
            yield n, d


def previous_round(round_):
    """The round before ``round_`` in its campaign that has answers (for the 环比)."""
    return (
        Round.objects.filter(campaign_id=round_.campaign_id, number__lt=round_.number, sites__answers__isnull=False)
        .order_by("-number")
        .distinct()
        .first()
    )


def latest_scored_round(campaign, *, until=None):
    """The latest *closed* round of the campaign with answers (closed by ``until``, a date, when
    given) — what 短板 and the briefings measure by: a round still being answered is a partial
    sample, shown on its own page only."""
    rounds = Round.objects.filter(
        campaign=campaign, state=RoundState.CLOSED, closed_at__isnull=False, sites__answers__isnull=False
    )
    if until is not None:
        rounds = rounds.filter(closed_at__date__lte=until)
    return rounds.select_related("region").order_by("-number").distinct().first()


def change(current, previous):
    """Current − previous as a signed string, or None when either is missing."""
    if current is None or previous is None:
        return None
    return q2(Decimal(current) - Decimal(previous))
