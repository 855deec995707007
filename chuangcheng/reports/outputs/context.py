"""What every output of a briefing shows, from its frozen ``content``: the page, the PDF, the Word
file and the workbook share this context, so they print the same sections, columns and numbers.
Nothing here computes a figure."""

import datetime as dt
import re
from types import SimpleNamespace

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from chuangcheng.humantime import day, day_range, when, when_short
from chuangcheng.wording import clause_separator, join_clauses, join_list, list_separator
from inspections.models import IssueState, Severity
from tasks.models import TaskState

from ..briefings.words import pct_text as fmt_rate
from ..briefings.words import summary_text
from ..contributions import phrase_text, section_title
from ..definitions import deduction_text, numbered_text, rank_rule, sample_rule, score_formula
from ..figures import COMPONENTS, DEDUCTIONS
from ..figures.scoring import Scoring

# The body's sections, in order: the PDF and the Word file print exactly these headings.
SECTIONS = (
    ("summary", gettext_lazy("一、总体情况")),
    ("figures", gettext_lazy("二、主要指标")),
    ("ranking", gettext_lazy("三、排名情况")),
    ("flags", gettext_lazy("四、红黑旗")),
    ("typical", gettext_lazy("五、典型问题")),
    ("distribution", gettext_lazy("六、问题分布")),
    ("requirements", gettext_lazy("七、下步工作要求")),
)

CHINESE_NUMERALS = "一二三四五六七八九十"


def section_headings(contributed=()):
    """``{key: heading}`` of the body's sections, numbered in order: the sections of
    :data:`SECTIONS`, with the contributed ones (``contributed:<key>``, e.g. 约谈问责与表扬)
    before 下步工作要求 — the numbers follow, so a briefing without them reads as before."""
    base = [(key, re.sub(r"^\S+?[、.]\s*", "", str(label))) for key, label in SECTIONS]
    order = [
        *base[:-1],
        *((f"contributed:{c['key']}", section_title(c["key"], c["title"])) for c in contributed),
        base[-1],
    ]
    chinese = (translation.get_language() or "zh-hans").startswith("zh")
    return {
        key: (f"{CHINESE_NUMERALS[i]}、{title}" if chinese and i < len(CHINESE_NUMERALS) else f"{i + 1}. {title}")
        for i, (key, title) in enumerate(order)
    }


# The figures of the 主要指标 table, in order: (key, how the value reads).
FIGURE_LINES = (
    ("issues_reported", "count"),
    ("issues_assigned", "count"),
    ("issues_closed", "count"),
    ("issues_due", "count"),
    ("on_time_rate", "rate:issues_closed_on_time/issues_due"),
    ("closure_rate", "rate:issues_due_closed/issues_due"),
    ("issues_in_hand", "count"),
    ("issues_open", "count"),
    ("issues_overdue_open", "count"),
    ("rework_rate", "rate:rejections/verifications"),
    ("recurrences", "count"),
    ("extension_rate", "rate:extensions/issues_assigned"),
    ("refused_reassignments", "count"),
    ("integrity_flags", "count"),
    ("mean_hours_to_close", "hours"),
    ("issues_negative_list", "count"),
    ("tasks_due", "count"),
    ("tasks_done", "count"),
    ("task_on_time_rate", "rate:tasks_done_on_time/tasks_due"),
    ("tasks_overdue", "count"),
    ("tasks_lagging", "count"),
)

COLUMN_LABELS = {
    "on_time_rate": gettext_lazy("按期销号率"),
    "not_overdue_rate": gettext_lazy("在办未超期率"),
    "task_on_time_rate": gettext_lazy("任务按期完成率"),
    "first_pass_rate": gettext_lazy("核查一次通过率"),
    "task_on_track_rate": gettext_lazy("任务进度达标率"),
    "issues_overdue_open": gettext_lazy("超期未改"),
    "issues_overdue_key": gettext_lazy("其中重点来源"),
    "tasks_overdue": gettext_lazy("超期任务"),
    "rejections": gettext_lazy("返工"),
    "recurrences": gettext_lazy("反弹"),
    "extensions": gettext_lazy("延期"),
    "refused_reassignments": gettext_lazy("推诿"),
    "integrity_flags": gettext_lazy("弄虚作假"),
}


def fmt_two(value):
    return "—" if value is None else f"{value:.2f}"


def _value(figures, key, how):
    value = figures.get(key)
    if how == "count":
        return str(value or 0)
    if how == "hours":
        return "—" if value is None else _("%(h)s 小时") % {"h": value}
    part, whole = how.split(":", 1)[1].split("/")
    # Full-width brackets in Chinese text, ASCII ones (after a space) in English.
    return _("%(rate)s（%(part)s/%(whole)s）") % {
        "rate": fmt_rate(value),
        "part": figures.get(part, 0),
        "whole": figures.get(whole, 0),
    }


def _chinese():
    return (translation.get_language() or "zh-hans").startswith("zh")


def shown(text):
    """A word frozen in a briefing's content — written in Chinese when it was built — in the
    reader's language when the catalogue has it (a label, a definition, a group's name, a
    definition with a setting's number in it); other text built with numbers or names in it
    stays as it was written."""
    if not text or _chinese():
        return text
    return " · ".join(_shown_part(part) for part in str(text).split(" · "))


def _shown_part(part):
    word = pgettext("figure", part)  # a figure's name where the plain word means something else
    if word == part:
        word = _(part)
    if word == part:
        word = numbered_text(part) or part
    return word


def unranked_due_text(issues_due, tasks_due):
    """Why a unit is not ranked, after its name: “（应销号 1、到期任务 0）”, each count in the
    reader's plural."""
    return pgettext("after a name", "（%(items)s）") % {
        "items": join_list(
            (
                ngettext("应销号 %(n)s", "应销号 %(n)s", issues_due) % {"n": issues_due},
                ngettext("到期任务 %(n)s", "到期任务 %(n)s", tasks_due) % {"n": tasks_due},
            )
        )
    }


def reworded(parts, stored):
    """A contributed section's note or caption in the reader's language: worded again from its
    :func:`~chuangcheng.reports.contributions.phrase` parts when read in another language than
    the one it was written in (an older briefing without parts keeps its text)."""
    if _chinese() or not parts:
        return stored
    try:
        return phrase_text(parts)
    except (KeyError, TypeError, ValueError):
        return stored


def shown_definition(definition):
    return {k: shown(v) if k in ("label", "formula", "counts", "period") else v for k, v in definition.items()}


def shown_summary(briefing, content):
    """The summary paragraph in the reader's language: rebuilt from the frozen figures when the
    page is read in another language than the one it was written in (the files keep the text)."""
    totals, previous = content.get("totals"), content.get("previous")
    if _chinese() or not totals or previous is None or not content.get("has_content", True):
        return content["summary"]
    try:
        flags = content.get("flags", {})
        return summary_text(
            content["kind"],
            SimpleNamespace(**totals),
            SimpleNamespace(**previous),
            flags.get("red", []),
            flags.get("black", []),
        )
    except (AttributeError, KeyError, TypeError, ValueError):  # an old briefing without a figure the text names
        return content["summary"]


def figure_lines(content):
    """The 主要指标 table: each figure this period and last, with its definition."""
    definitions = content["definitions"]
    return [
        {
            "key": key,
            "label": shown(definitions[key]["label"]),
            "value": _value(content["totals"], key, how),
            "previous": _value(content["previous"], key, how),
            "definition": shown_definition(definitions[key]),
        }
        for key, how in FIGURE_LINES
        if key in definitions and key in content["totals"]  # a briefing shows the figures it was built with
    ]


def scoring_of(content):
    known = set(Scoring.__dataclass_fields__)
    return Scoring(**{k: v for k, v in content["scoring"].items() if k in known})


def rank_columns(scoring):
    """``[(key, label, how)]`` of the ranking tables: the rank, the unit, the score and the flag
    first (what a reader looks for, seen without scrolling sideways), then every part of the
    score that has a weight (rates, the base, the counted deductions and their total)."""
    columns = [("rank", _("名次"), "rank"), ("name", _("单位"), "text")]
    columns += [("score", _("综合得分"), "two"), ("flag", _("红黑旗"), "flag")]
    columns += [(rate, str(COLUMN_LABELS[rate]), "rate") for rate, w in COMPONENTS if getattr(scoring, w)]
    columns.append(("base", _("基础分"), "two"))
    for key, setting in DEDUCTIONS:
        if getattr(scoring, setting):
            columns.append((key, str(COLUMN_LABELS[key]), "count"))
            if key == "issues_overdue_open" and scoring.key_source_factor != 1:
                columns.append(("issues_overdue_key", str(COLUMN_LABELS["issues_overdue_key"]), "count"))
    columns.append(("deduction", _("扣分"), "two"))
    return columns


def row_cells(row, columns):
    flags = {"red": _("红旗"), "black": _("黑旗"), "": ""}
    out = []
    for key, _label, how in columns:
        value = row.get(key)
        if how == "two":
            out.append(fmt_two(value))
        elif how == "rate":
            out.append(fmt_rate(value))
        elif how == "flag":
            out.append(flags[value or ""])
        elif how == "rank":
            out.append("" if value is None else str(value))
        else:
            out.append("" if value is None else str(value))
    return out


def scoring_note(scoring):
    """What sits under each ranking table: weights, deductions, who is ranked, flags."""
    return [
        score_formula(scoring) + _("。"),
        _("扣分：%(d)s。") % {"d": deduction_text(scoring)},
        _("参与排名：%(r)s；样本不足的不参与排名。") % {"r": sample_rule(scoring)},
        rank_rule(scoring) + _("。"),
    ]


def other_deduction_lines(content):
    """One line per unit whose score lost points to a registered source (问责扣分, 约谈扣分…),
    each item with its date and points, so the printed score can be recomputed."""
    lines = []
    for group in content.get("ranking", []):
        for row in group["rows"]:
            items = row.get("other_deductions") or []
            if items:
                parts = join_clauses(
                    _("%(label)s（%(date)s）扣 %(p)s 分")
                    % {"label": i["label"], "date": day(i["date"]), "p": i["points"]}
                    for i in items
                )
                lines.append(_("%(unit)s：%(items)s。") % {"unit": row["name"], "items": parts})
    if lines:
        lines.insert(0, _("其他扣分（已计入扣分列）："))
    return lines


def _labels():
    return {
        "severity": dict(Severity.choices),
        "issue_state": dict(IssueState.choices),
        "task_state": dict(TaskState.choices),
    }


def _label_items(content):
    labels = _labels()
    for item in content["negative_list"] + content["recurrences"]:
        item["severity_label"] = str(labels["severity"].get(item["severity"], item["severity"]))
        item["state_label"] = str(labels["issue_state"].get(item["state"], item["state"]))
        item["deadline_text"] = when_short(item.get("deadline"))
        item["reopened_text"] = when_short(item.get("reopened_at"))
    # 负面清单: those sent in the period (the figure 负面清单问题) and, after them, older ones
    # still overdue — told apart, so the list's length does not read as a wrong figure.
    start = content["period"]["start"]
    for item in content["negative_list"]:
        item["assigned_text"] = when_short(item.get("assigned_at"))
        item["earlier"] = bool(item.get("assigned_at")) and item["assigned_at"][:10] < start
    content["negative_earlier"] = sum(1 for item in content["negative_list"] if item["earlier"])
    for unit in content["overdue_by_unit"]:
        for item in unit["issues"]:
            item["deadline_text"] = when_short(item["deadline"])
    for item in content["tasks_due_next"]["items"]:
        item["state_label"] = str(labels["task_state"].get(item["state"], item["state"]))
        item["deadline_text"] = day(item["deadline"])
    for item in typical_items(content):
        item["severity_label"] = str(labels["severity"].get(item["severity"], item["severity"]))
        item["deadline_text"] = when(item.get("deadline"))
        item["closed_text"] = when(item.get("closed_at"))


def typical_items(content):
    """A briefing's 典型问题 (``content``'s): the overdue ones, then those fixed in time."""
    typical = (content or {}).get("typical", {})
    return [item for group in ("worst", "best") for item in typical.get(group, [])]


def briefing_context(briefing):
    """What the page, the PDF and the Word file show (one context for all)."""
    content = briefing.content
    _label_items(content)
    scoring = scoring_of(content)
    columns = rank_columns(scoring)
    keys = [key for key, _label, _how in columns]
    ranking = []
    for g in content["ranking"]:
        cells = [row_cells(r, columns) for r in g["rows"]]
        ranking.append(
            {
                **g,
                "label": shown(g["label"]),
                "lines": [
                    {"row": r, "cells": list(zip(keys, c, strict=True))} for r, c in zip(g["rows"], cells, strict=True)
                ],
                "cells": cells,
                "unranked_lines": [
                    {
                        "name": r["name"],
                        "issues_due": r["issues_due"],
                        "tasks_due": r["tasks_due"],
                        "due_text": unranked_due_text(r["issues_due"], r["tasks_due"]),
                    }
                    for r in g.get("unranked", [])
                ],
            }
        )
    region_columns = [(k, _("区域") if k == "name" else label, how) for k, label, how in columns if k != "flag"]
    regions = [r for r in content["regions"] if r.get("ranked")]
    period = content["period"]
    contributed = content.get("contributed", [])
    headings = section_headings(contributed)
    return {
        "briefing": briefing,
        "content": content,
        "sections": headings,
        "figure_lines": figure_lines(content),
        "summary": shown_summary(briefing, content),
        "definition_separator": clause_separator(),
        "list_separator": list_separator(),
        "rank_headers": [label for _k, label, _h in columns],
        "ranking": ranking,
        "region_headers": [label for _k, label, _h in region_columns],
        "region_cells": [
            row_cells(r, region_columns) for r in sorted(regions, key=lambda r: (r["rank"] or 0, r["name"]))
        ],
        "regions_unranked": [r["name"] for r in content["regions"] if not r.get("ranked")],
        "scoring_note": scoring_note(scoring) + other_deduction_lines(content),
        "contributed": [
            {
                **c,
                "heading": headings[f"contributed:{c['key']}"],
                "note": reworded(c.get("note_parts"), c.get("note")),
                "tables": [
                    {
                        **t,
                        "caption": reworded(t.get("caption_parts"), shown(t.get("caption"))),
                        "headers": [shown(h) for h in t.get("headers", [])],
                    }
                    for t in c.get("tables", [])
                ],
            }
            for c in contributed
        ],
        "period_text": day_range(period["start"], period["end"]),
        "as_of_text": when(content.get("as_of")),
        "built_text": when(content.get("built_at") or briefing.built_at),
        "published_text": day(briefing.published_at) if briefing.published_at else "",
        "issuer_pt": issuer_size(content["issuer"]),
        "attachments": attachment_titles(),
        "send_to": _setting("BRIEFING_SEND_TO", _("市委、市人大、市政府、市政协主要领导，市创建工作领导小组成员")),
        "copy_to": _setting("BRIEFING_COPY_TO", _("各区县（市）创建办，市直各成员单位")),
        "typical_groups": [
            (_("（一）超期未改典型问题"), content.get("typical", {}).get("worst", [])),
            (_("（二）按期整改典型问题"), content.get("typical", {}).get("best", [])),
        ],
        "photo_slots": [("before", _("整改前")), ("after", _("整改后"))],
        "distribution": distribution_tables(content),
        "draft": briefing.is_draft,
        "document_number_text": briefing.document_number or _("（草稿，发布时编号）"),
    }


def _setting(name, default):
    from django.conf import settings

    return getattr(settings, name, None) or default


def issuer_size(issuer, *, width_pt=482, largest=30):
    """The red header's font size: as large as fits one line of the type area (17 cm)."""
    return min(largest, int(width_pt / (max(len(issuer), 1) * 1.08)))


def attachment_titles():
    return [
        _("超期未改问题清单"),
        _("负面清单问题清单"),
        _("反弹问题清单"),
        _("下期到期任务清单"),
        _("指标定义与评分规则"),
    ]


def period_dates(content):
    return tuple(dt.date.fromisoformat(content["period"][k]) for k in ("start", "end"))


def attachment_tables(ctx):
    """(title, headers, rows) of annexes 1–4 (annex 5, the definitions, is its own table)."""
    content, titles = ctx["content"], ctx["attachments"]
    overdue = [
        [
            u["unit"],
            u["count"],
            join_clauses(
                _("#%(id)s %(c)s %(a)s（超期 %(d)s 天）")
                % {"id": i["id"], "c": i["category"], "a": i["address"], "d": i["days_overdue"]}
                for i in u["issues"]
            )
            or _("期末超期的问题在通报生成前已整改或提交核查"),
        ]
        for u in content["overdue_by_unit"]
    ]
    negative = [
        [
            f"#{i['id']}",
            i["category"],
            i["address"],
            i["unit"] or "",
            i["assigned_text"],
            i["state_label"],
            i["deadline_text"],
        ]
        for i in content["negative_list"]
    ]
    recurrences = [
        [f"#{i['id']}", i["category"], i["address"], i["unit"] or "", i["reopened_text"]]
        for i in content["recurrences"]
    ]
    tasks = [
        [
            t.get("seq", n),
            t["number"] or "—",
            t["title"],
            t["unit"],
            t["deadline_text"],
            f"{t['progress']}%",
            t["state_label"],
        ]
        for n, t in enumerate(content["tasks_due_next"]["items"], 1)
    ]
    return [
        (titles[0], [_("责任单位"), _("超期未改"), _("超期最久的问题")], overdue),
        (
            titles[1],
            [_("编号"), _("类别"), _("地址"), _("责任单位"), _("交办时间"), _("状态"), _("整改时限")],
            negative,
        ),
        (titles[2], [_("编号"), _("类别"), _("地址"), _("责任单位"), _("反弹时间")], recurrences),
        (titles[3], [_("序号"), _("任务编号"), _("任务"), _("责任单位"), _("完成时限"), _("进度"), _("状态")], tasks),
    ]


def definition_rows(content):
    return [[d["label"], d["formula"], d["counts"], d["period"]] for d in content["definitions"].values()]


def distribution_tables(content):
    """（一）按点位类型 and （二）按测评指标: (title, headers, rows)."""
    head = [_("新交办"), _("销号"), _("应销号"), _("按期销号率"), _("超期未改")]

    def cells(r):
        return [
            r["issues_assigned"],
            r["issues_closed"],
            r["issues_due"],
            fmt_rate(r["on_time_rate"]),
            r["issues_overdue_open"],
        ]

    sites = [[shown(r["name"]), *cells(r)] for r in content.get("by_site_type", [])]
    indicators = [[shown(r["name"]), *cells(r), r.get("tasks_overdue", 0)] for r in content.get("by_indicator", [])]
    return [
        (_("（一）按点位类型"), [_("点位类型"), *head], sites),
        (_("（二）按测评指标"), [_("测评指标"), *head, _("超期任务")], indicators),
    ]
