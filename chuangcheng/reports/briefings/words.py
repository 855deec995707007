"""How a briefing words things: its period, 文号, issuer (红头), title and summary paragraph."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from chuangcheng.wording import join_list

from ..models import BriefingKind
from ..templatetags.dashboard_ui import figure

KIND_WORDS = {  # (this period, the previous one) as the summary says them
    BriefingKind.DAILY: (pgettext_lazy("briefing period", "当日"), pgettext_lazy("briefing period", "前一日")),
    BriefingKind.WEEKLY: (pgettext_lazy("briefing period", "本周"), pgettext_lazy("briefing period", "上周")),
    BriefingKind.MONTHLY: (pgettext_lazy("briefing period", "本月"), pgettext_lazy("briefing period", "上月")),
}
# The mark of each 文号 series: 创建办周〔2026〕3号 is the third weekly briefing of 2026.
KIND_MARKS = {BriefingKind.DAILY: "日", BriefingKind.WEEKLY: "周", BriefingKind.MONTHLY: "月"}


def _setting(name, default):
    return getattr(settings, name, default)


def period_text(kind, start, end):
    if kind == BriefingKind.MONTHLY:
        return _("%(y)s年%(m)s月") % {"y": start.year, "m": start.month}
    if start == end:
        return _("%(y)s年%(m)s月%(d)s日") % {"y": start.year, "m": start.month, "d": start.day}
    return _("%(y)s年%(m)s月%(d)s日至%(m2)s月%(d2)s日") % {
        "y": start.year,
        "m": start.month,
        "d": start.day,
        "m2": end.month,
        "d2": end.day,
    }


def document_number(campaign, region, kind, year, number):
    """文号: ``创建办周〔2026〕12号`` for the city's office, ``金水区创建办周〔2026〕3号`` for a
    district's — one series per issuer and kind (``BRIEFING_DOCUMENT_PREFIX``, ``BRIEFING_KIND_MARKS``)."""
    prefix = _setting("BRIEFING_DOCUMENT_PREFIX", "创建办")
    marks = _setting("BRIEFING_KIND_MARKS", KIND_MARKS)
    issuer = "" if region.pk == campaign.region_id else region.name
    return f"{issuer}{prefix}{marks.get(kind, '')}〔{year}〕{number}号"


def issuer_name(campaign, region=None):
    """红头: "郑州市创建国家卫生城市工作指挥部办公室" — for a district's briefing, its own office."""
    titles = campaign.title_labels()
    template = _setting("BRIEFING_ISSUER", "{city}创建{title}工作指挥部办公室")
    place = (region or campaign.region).name
    return template.format(city=place, title=titles[0] if titles else _("文明城市"))


def title_text(region, kind):
    return _("%(scope)s创建工作%(kind)s") % {"scope": region.name, "kind": BriefingKind(kind).label}


def _change_words(now, before, word):
    """ "较上周上升 2.3 个百分点" / "与上周持平" / "" when either rate is missing."""
    if now is None or before is None:
        return ""
    # the printed rates have one decimal: the change is the difference of what is printed
    delta = Decimal(figure(now, "%")) - Decimal(figure(before, "%"))
    if delta > 0:
        return _("，较%(p)s上升 %(d)s 个百分点") % {"p": word, "d": delta}
    if delta < 0:
        return _("，较%(p)s下降 %(d)s 个百分点") % {"p": word, "d": -delta}
    return _("，与%(p)s持平") % {"p": word}


def pct_text(value):
    # One decimal, as the dashboard shows the same rate (one number for one thing).
    return "—" if value is None else f"{figure(value, '%')}%"


def summary_text(kind, totals, previous, red, black):
    """The short paragraph at the top: "本周新交办问题 N 个，按期销号率 X%，较上周上升 Y 个百分点…"."""
    this, last = KIND_WORDS[kind]
    parts = [
        _("%(p)s新交办问题 %(n)s 个，销号 %(c)s 个")
        % {"p": this, "n": totals.issues_assigned, "c": totals.issues_closed}
    ]
    if totals.on_time_rate is not None:
        parts.append(
            _("按期销号率 %(r)s%(change)s")
            % {
                "r": pct_text(totals.on_time_rate),
                "change": _change_words(totals.on_time_rate, previous.on_time_rate, last),
            }
        )
    parts.append(_("超期未改问题 %(n)s 个") % {"n": totals.issues_overdue_open})
    if totals.rework_rate is not None:
        parts.append(_("返工率 %(r)s") % {"r": pct_text(totals.rework_rate)})
    if totals.extension_rate is not None:
        parts.append(_("延期率 %(r)s") % {"r": pct_text(totals.extension_rate)})
    parts.append(_("反弹 %(n)s 起") % {"n": totals.recurrences})
    if totals.issues_negative_list:
        parts.append(_("负面清单问题 %(n)s 个") % {"n": totals.issues_negative_list})
    text = pgettext("clause separator", "，").join(parts) + pgettext("sentence end", "。")
    text += _("到期任务 %(d)s 项，按期完成 %(o)s 项；超期未完成任务 %(x)s 项，进度滞后 %(l)s 项。") % {
        "d": totals.tasks_due,
        "o": totals.tasks_done_on_time,
        "x": totals.tasks_overdue,
        "l": totals.tasks_lagging,
    }
    if red:
        text += _("红旗单位：%(u)s。") % {"u": names_text(red)}
    if black:
        text += _("黑旗单位：%(u)s。") % {"u": names_text(black)}
    return text


def names_text(names, shown=6):
    """ "甲、乙、丙" — or "甲、乙…等 9 个单位" when the list is long (the tables name them all)."""
    if len(names) <= shown:
        return join_list(names)
    return _("%(names)s等 %(n)s 个单位") % {
        "names": join_list(names[:shown]),
        "n": len(names),
    }


def empty_text(kind, start, end, region):
    """The one-line note of a period with nothing to report."""
    return _("%(r)s%(p)s无新交办、到期或在办的问题和任务，本期不印发%(k)s。") % {
        "r": region.name,
        "p": period_text(kind, start, end),
        "k": BriefingKind(kind).label,
    }
