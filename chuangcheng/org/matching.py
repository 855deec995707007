"""Matching the names people write to units and leaders (for every import).

Units: a ledger says 住建局, 市城管局, 卫健委 or 各区人民政府 for 郑州市住房和城乡建设局, 郑州市城市
管理局, 郑州市卫生健康委员会 and the five district governments. :class:`UnitMatcher` resolves a
name, in this order, and says how:

1. the full name (``exact``);
2. a 简称 or an alias (``alias``) — :class:`~chuangcheng.org.models.UnitAlias`, including the
   matches earlier imports confirmed;
3. a group word (``group``: 各区人民政府, 各县（市、区）, 各街道办事处, 各乡镇（街道）, 各成员单位,
   市直各部门) → the units of that kind in scope, see :data:`GROUP_WORDS`;
4. an *inferred* match (``inferred``), when exactly one unit stands out: the name is contained
   in its full name (城市管理局 → 郑州市城市管理局), or is its abbreviation — its characters in
   order, same first and last character (住建局 → 住房和城乡建设局, 卫健委 → 卫生健康委员会);
   city-level units win a tie with district ones (a city's ledger means the city's bureau).
   The preview shows it as inferred; confirming the import remembers it as an alias.

Otherwise the name is unmatched and :meth:`UnitMatcher.suggest` ranks candidates — alias
similarity first, then full-name containment, then abbreviation, then edit distance — so the
first suggestion is a related unit, never merely the nearest string.

Leaders: :class:`LeaderMatcher` resolves a 责任领导 name to a person holding a leader
membership (name as displayed, full name or username; a title such as 副市长 or a bracketed
note is ignored). Anything else is unresolved — never kept as if it were linked.
"""

import difflib
import os
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chuangcheng.wording import join_list

from .models import Region, Role, Unit, UnitAlias, UnitKind, UnitLevel, User

_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_SPACES = re.compile(r"\s+")
# Words of a unit name that say what kind of body it is; an abbreviation keeps the last one.
_SUFFIX_FOLDS = (("委员会", "委"), ("办公室", "办"), ("人民政府", "政府"), ("办事处", "办"))


def clean_name(text):
    """Spaces and full-width spaces out; brackets unified."""
    return _SPACES.sub("", str(text or "")).replace("(", "（").replace(")", "）").strip("，,。;；、")


# Group word → (kind, levels, description) of the units it stands for.
GROUP_WORDS = {
    "各区人民政府": (UnitKind.TERRITORIAL, [UnitLevel.DISTRICT]),
    "各区政府": (UnitKind.TERRITORIAL, [UnitLevel.DISTRICT]),
    "各区": (UnitKind.TERRITORIAL, [UnitLevel.DISTRICT]),
    "各区县": (UnitKind.TERRITORIAL, [UnitLevel.DISTRICT]),
    "各县（市、区）": (UnitKind.TERRITORIAL, [UnitLevel.DISTRICT]),
    "各县（市、区）人民政府": (UnitKind.TERRITORIAL, [UnitLevel.DISTRICT]),
    "各县（市、区）政府": (UnitKind.TERRITORIAL, [UnitLevel.DISTRICT]),
    "各县市区": (UnitKind.TERRITORIAL, [UnitLevel.DISTRICT]),
    "各县（区）": (UnitKind.TERRITORIAL, [UnitLevel.DISTRICT]),
    "各街道办事处": (UnitKind.TERRITORIAL, [UnitLevel.STREET]),
    "各街道": (UnitKind.TERRITORIAL, [UnitLevel.STREET]),
    "各乡镇（街道）": (UnitKind.TERRITORIAL, [UnitLevel.STREET]),
    "各乡镇（街道办事处）": (UnitKind.TERRITORIAL, [UnitLevel.STREET]),
    "各乡镇、街道": (UnitKind.TERRITORIAL, [UnitLevel.STREET]),
    "各乡镇街道": (UnitKind.TERRITORIAL, [UnitLevel.STREET]),
    "各成员单位": (None, [UnitLevel.CITY]),
    "市直各部门": (UnitKind.FUNCTIONAL, [UnitLevel.CITY]),
    "市直各单位": (None, [UnitLevel.CITY]),
    "市直有关部门": (UnitKind.FUNCTIONAL, [UnitLevel.CITY]),
}
GROUP_HELP = gettext_lazy(
    "各区人民政府、各县（市、区）→ 区县政府；各街道办事处、各乡镇（街道）→ 街道办事处和乡镇政府；"
    "市直各部门 → 市直职能部门；各成员单位、市直各单位 → 市直单位（不含创建办本身）"
)


@dataclass
class UnitMatch:
    """How a name resolved: ``how`` is exact / alias / group / inferred / none / ambiguous;
    ``units`` the unit(s); ``suggestions`` the ranked candidates when unresolved."""

    text: str
    how: str
    units: list = field(default_factory=list)
    suggestions: list = field(default_factory=list)

    @property
    def ok(self):
        return self.how in ("exact", "alias", "group", "inferred")

    @property
    def unit(self):
        return self.units[0] if len(self.units) == 1 else None

    @property
    def how_label(self):
        return {
            "exact": _("全称"),
            "alias": _("简称/别名"),
            "group": _("统称展开"),
            "inferred": _("推断，确认后记为别名"),
        }.get(self.how, "")


def _fold(name):
    for long, short in _SUFFIX_FOLDS:
        if name.endswith(long):
            return name[: -len(long)] + short
    return name


def _is_abbreviation(text, name):
    """``住建局`` of ``住房和城乡建设局``: the characters in order, same first and last."""
    if len(text) < 2 or len(text) >= len(name) or text[0] != name[0] or text[-1] != name[-1]:
        return False
    position = 0
    for char in text:
        position = name.find(char, position)
        if position < 0:
            return False
        position += 1
    return True


# A body inside a bureau is named after it: 公安局交通警察支队 is written 交警支队.
_PARENT_BODY = re.compile(r"^.+?(?:局|委员会|委|厅|办公室)(?=.{3,}$)")


def _tails(name):
    """The unit's own name after its parent body's (``交通警察支队`` of ``公安局交通警察支队``)."""
    match = _PARENT_BODY.match(name)
    return (name[match.end() :],) if match else ()


class UnitMatcher:
    """Name → unit(s) among the active units under ``region`` (the campaign's territory; all
    active units when ``None``). Loads units and aliases once (three queries)."""

    def __init__(self, region=None):
        units = Unit.objects.filter(is_active=True).select_related("region")
        if region is not None:
            units = units.filter(region__path__startswith=region.path)
        self.units = list(units.order_by("level", "name", "pk"))
        self.by_id = {u.pk: u for u in self.units}
        self.by_name, self.by_alias = {}, {}
        for u in self.units:
            self.by_name.setdefault(clean_name(u.name), []).append(u)
            if u.short_name:
                self.by_alias.setdefault(clean_name(u.short_name), []).append(u)
        for unit_id, name in UnitAlias.objects.filter(unit_id__in=self.by_id).values_list("unit_id", "name"):
            self.by_alias.setdefault(clean_name(name), []).append(self.by_id[unit_id])
        self._cores = {u.pk: self._core(u) for u in self.units}

    def _core(self, unit):
        """The name without the region's names in front: 郑州市城市管理局 → 城市管理局."""
        name = clean_name(unit.name)
        for prefix in self._region_names(unit):
            if name.startswith(prefix) and len(name) > len(prefix) + 1:
                name = name[len(prefix) :]
        return name

    @staticmethod
    def _region_names(unit):
        names = [unit.region.name] if unit.region_id else []
        return sorted(names, key=len, reverse=True)

    def group(self, text):
        spec = GROUP_WORDS.get(clean_name(text))
        if spec is None:
            return None
        kind, levels = spec
        return [u for u in self.units if u.level in levels and (kind is None or u.kind == kind)]

    def resolve(self, text):
        text = clean_name(text)
        if not text:
            return UnitMatch(text, "none")
        for how, table in (("exact", self.by_name), ("alias", self.by_alias)):
            found = list({u.pk: u for u in table.get(text, [])}.values())
            if len(found) == 1:
                return UnitMatch(text, how, found)
            if len(found) > 1:
                return UnitMatch(text, "ambiguous", suggestions=found)
        members = self.group(text)
        if members is not None:
            return UnitMatch(text, "group", members) if members else UnitMatch(text, "none")
        inferred = self._infer(text)
        if inferred is not None:
            return UnitMatch(text, "inferred", [inferred])
        return UnitMatch(text, "none", suggestions=self.suggest(text))

    def _evidence(self, text, unit):
        """2: the name is contained in the unit's name, 1: it is an abbreviation of it, 0: neither.
        A leading 市 (市城管局: the city's) may be dropped."""
        core, full = self._cores[unit.pk], clean_name(unit.name)
        variants = [text] + ([text[1:]] if len(text) > 3 and text[0] in "市区" else [])
        if any(v in core or v in full for v in variants):
            return 2
        names = (core, full, *_tails(core))
        if any(_is_abbreviation(_fold(v), _fold(name)) for v in variants for name in names):
            return 1
        return 0

    def _infer(self, text):
        scored = [(self._evidence(text, u), u) for u in self.units]
        best = max((s for s, _u in scored), default=0)
        if best == 0:
            return None
        top = [u for s, u in scored if s == best]
        if len(top) > 1:
            city = [u for u in top if u.level == UnitLevel.CITY]
            top = city if len(city) == 1 else top
        return top[0] if len(top) == 1 else None

    def suggest(self, text, limit=3):
        """Candidates for an unmatched name, related ones first (see the module docstring)."""
        text = clean_name(text)
        ranked = {}

        def add(unit, rank, score):
            # Within a rank: the longer the shared beginning (the place: 甲一… vs 乙一…), the
            # closer; then the similarity; then city-level first.
            prefix = len(os.path.commonprefix([text, clean_name(unit.name)]))
            key = (rank, -prefix, -score, unit.level, unit.name)
            if unit.pk not in ranked or key < ranked[unit.pk][0]:
                ranked[unit.pk] = (key, unit)

        for alias, units in self.by_alias.items():
            score = difflib.SequenceMatcher(None, text, alias).ratio()
            if score >= 0.6:
                for unit in units:
                    add(unit, 0, score)
        for unit in self.units:
            evidence = self._evidence(text, unit)
            full = clean_name(unit.name)
            if evidence == 2 or (len(text) >= 2 and (full in text or self._cores[unit.pk] in text)):
                add(unit, 1, len(text) / max(len(full), 1))
            elif evidence == 1:
                add(unit, 2, 0)
            else:
                score = difflib.SequenceMatcher(None, text, full).ratio()
                if score >= 0.45:
                    add(unit, 3, score)
        return [unit for _key, unit in sorted(ranked.values(), key=lambda item: item[0])[:limit]]


def names_of(units):
    return join_list(u.name for u in units) if units else _("（无相近单位）")


def closest(units):
    """The tail of a "not found" message: the nearest names, or that there is none to offer."""
    if units:
        return _("最接近的是：%(names)s") % {"names": join_list(u.name for u in units)}
    return _("也没有名称相近的单位，请核对单位名录中的全称或简称")


# --- leaders ------------------------------------------------------------------------------------

_TITLES = re.compile(
    r"(常务副市长|副市长|市长|副书记|书记|副区长|区长|副主任|主任|副局长|局长|部长|副部长|秘书长|副秘书长|同志)$"
)


def clean_person(text):
    text = _BRACKETS.sub("", clean_name(text))
    return _TITLES.sub("", text) or text


@dataclass
class LeaderMatch:
    text: str
    user: User | None = None
    candidates: list = field(default_factory=list)

    @property
    def ok(self):
        return self.user is not None


class LeaderMatcher:
    """责任领导 name → the one active person with a leader membership of that name."""

    def __init__(self):
        leaders = User.objects.filter(is_active=True, memberships__role=Role.LEADER).distinct()
        self.leaders = list(leaders)
        self.by_name = {}
        for user in self.leaders:
            for name in {str(user), user.display_name, user.get_full_name(), user.username}:
                if name:
                    self.by_name.setdefault(clean_name(name), {})[user.pk] = user

    def resolve(self, text):
        text = clean_name(text)
        for key in (text, clean_person(text)):
            found = list(self.by_name.get(key, {}).values())
            if len(found) == 1:
                return LeaderMatch(text, found[0])
            if len(found) > 1:
                return LeaderMatch(text, None, found)
        names = list(self.by_name)
        close = difflib.get_close_matches(clean_person(text), names, n=3, cutoff=0.5)
        surname = clean_person(text)[:1]
        close += [n for n in names if surname and n.startswith(surname) and n not in close][: 3 - len(close)]
        users = {u.pk: u for n in close for u in self.by_name[n].values()}
        return LeaderMatch(text, None, list(users.values()))


# --- regions ------------------------------------------------------------------------------------


class RegionMatcher:
    """区域 text → a region under ``root`` (any region when ``None``): a division code, a name, or a path ``金水区/花园路街道``
    (the parts are names of its ancestors). Unmatched or ambiguous names are reported."""

    def __init__(self, root=None):
        regions = Region.objects.filter(path__startswith=root.path) if root is not None else Region.objects.all()
        regions = list(regions.only("id", "code", "name", "path", "parent_id", "level"))
        self.by_code = {r.code: r for r in regions if r.code}
        self.by_name = {}
        for r in regions:
            self.by_name.setdefault(r.name, []).append(r)
        self.by_id = {r.id: r for r in regions}

    def _ancestor_names(self, region):
        ids = [int(i) for i in region.path.strip("/").split("/") if i]
        return {self.by_id[i].name for i in ids if i in self.by_id}

    def resolve(self, text, problems, *, column=None):
        """The region, or ``None`` with a message appended to ``problems``."""
        column = column or _("区域")
        text = clean_name(text)
        if text in self.by_code:
            return self.by_code[text]
        parts = [p for p in re.split(r"[/／>＞]", text) if p]
        candidates = self.by_name.get(parts[-1], []) if parts else []
        if len(parts) > 1:
            candidates = [r for r in candidates if set(parts[:-1]) <= self._ancestor_names(r)]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            close = difflib.get_close_matches(parts[-1] if parts else text, list(self.by_name), n=3, cutoff=0.3)
            problems.append(
                _("%(col)s“%(r)s”不在本次创建范围内，最接近的是：%(close)s")
                % {"col": column, "r": text, "close": join_list(close) or _("（无相近名称）")}
            )
        else:
            problems.append(
                _("%(col)s“%(r)s”有重名，请写成“区县/街道”的形式或填写区划代码") % {"col": column, "r": text}
            )
        return None
