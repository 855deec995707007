"""Recognising 测评点位 types in the words of a 测评体系 or a checklist.

A 考察要求 reads "实地考察：主次干道、商业大街、农贸市场、公交站点，行走300米可看到5处公益广告";
:func:`recognise_site_types` finds the site types it names (in the order they appear), so an
indicator knows where evaluators will look and a 模拟测评 can sample those sites. One table of
the words people use per type (:data:`SITE_TYPE_WORDS`); longer words win over the shorter
words they contain (商业大街 before 大街, 背街小巷 before 小巷)."""

import re

from .models import SiteType

# Site type → the words that name it in evaluation texts (the label itself is always included).
SITE_TYPE_WORDS = {
    SiteType.MAIN_ROAD: ["主次干道", "主干道", "次干道", "城市道路", "主要街道"],
    SiteType.BACK_STREET: ["背街小巷", "小街小巷", "背街"],
    SiteType.STORE_STREET: ["商业大街", "商业街区", "商业街", "步行街", "商业区", "商圈"],
    SiteType.MARKET: ["农贸市场", "集贸市场", "菜市场", "农产品市场"],
    SiteType.RESIDENTIAL: ["居民小区", "住宅小区", "老旧小区", "小区"],
    SiteType.COMMUNITY: ["城市社区", "社区", "城中村"],
    SiteType.SCHOOL: ["学校", "中小学", "中学", "小学", "幼儿园", "校园周边", "中职学校"],
    SiteType.HOSPITAL: ["医院", "医疗机构", "卫生院", "社区卫生服务中心"],
    SiteType.SERVICE_WINDOW: ["窗口单位", "政务服务中心", "政务大厅", "银行网点", "营业厅", "服务窗口"],
    SiteType.CONSTRUCTION: ["建筑工地", "施工工地", "在建工地", "工地"],
    SiteType.PARK: ["公园广场", "公园", "广场", "游园"],
    SiteType.STATION: ["火车站", "长途汽车站", "汽车站", "客运站", "高铁站", "车站", "机场"],
    SiteType.BUS_STOP: ["公交站点", "公交站台", "公交车站", "公交站亭", "公交站"],
    SiteType.SCENIC: ["旅游景区", "景区", "景点"],
    SiteType.TOILET: ["公共厕所", "公厕"],
    SiteType.CULTURAL_VENUE: ["文化场馆", "图书馆", "博物馆", "文化馆", "纪念馆", "美术馆", "科技馆", "体育场馆"],
}


def _patterns():
    words = []
    for site_type, names in SITE_TYPE_WORDS.items():
        for word in {str(site_type.label), *names}:
            words.append((word, site_type))
    words.sort(key=lambda w: -len(w[0]))  # longest first: 商业大街 before 大街
    pattern = re.compile("|".join(re.escape(w) for w, _t in words))
    return pattern, dict(words)


_PATTERN, _BY_WORD = _patterns()


def recognise_site_types(text):
    """The site types (``SiteType`` values) named in ``text``, each once, in order of appearance.

    >>> recognise_site_types("实地考察：主次干道、商业街区、公交站台，行走300米可看到5处公益广告")
    ['main_road', 'store_street', 'bus_stop']
    """
    found = []
    for match in _PATTERN.finditer(text or ""):
        site_type = _BY_WORD[match.group(0)]
        if site_type.value not in found:
            found.append(site_type.value)
    return found


def site_type_labels(values):
    labels = dict(SiteType.choices)
    return [str(labels.get(v, v)) for v in values]


def site_type_from_name(text):
    """A single site type named by a cell (``点位类型`` column): its label, a known word, or its
    code; ``None`` when nothing matches."""
    text = (text or "").strip()
    if text in SiteType.values:
        return text
    types = recognise_site_types(text)
    return types[0] if len(types) == 1 else None
