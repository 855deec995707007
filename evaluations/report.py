"""模拟测评报告: what the round page shows, as a 公文-style PDF (WeasyPrint, the briefings'
print engine and fonts) and an A4 Word file — the simulated score per district and per
indicator with the change since the round before, and the worst check items with photos."""

import io
from pathlib import Path

from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.reports.outputs.pdf import pdf_problem, photo_path
from chuangcheng.reports.templatetags.dashboard_ui import figure

from . import scoring
from .models import Answer, Result

WORST_LIMIT = 10


def _worst_items(round_):
    """Check items by failures in the round (most first), each with up to two photos."""
    rows = (
        Answer.objects.filter(round_site__round=round_)
        .values("item_id", "item__text", "item__site_type", "item__points", "item__indicator__code")
        .annotate(failed=Count("pk", filter=Q(result=Result.FAIL)), answered=Count("pk", filter=~Q(result="na")))
        .filter(failed__gt=0)
        .order_by("-failed", "item_id")[:WORST_LIMIT]
    )
    rows = list(rows)
    photos = {}
    for item_id, name, site in (
        Answer.objects.filter(round_site__round=round_, result=Result.FAIL, item_id__in=[r["item_id"] for r in rows])
        .exclude(photo="")
        .values_list("item_id", "photo", "round_site__site__name")
        .order_by("item_id", "pk")
    ):
        bucket = photos.setdefault(item_id, [])
        if len(bucket) < 2:
            path = photo_path(name)
            bucket.append({"site": site, "name": name, "src": Path(path).as_uri() if path else "", "path": path})
    for r in rows:
        r["photos"] = photos.get(r["item_id"], [])
    return rows


def round_report(round_):
    score = scoring.round_score(round_)
    previous = scoring.previous_round(round_)
    before = scoring.round_score(previous) if previous else None
    prior_d = {d.key: d for d in before.districts} if before else {}
    prior_i = before.city.indicators if before else {}
    districts = [
        {
            "rank": rank,
            "score": d,
            "change": scoring.change(d.score, prior_d[d.key].score if d.key in prior_d else None),
        }
        for rank, d in scoring.ranked(score.districts)
    ]
    indicators = [
        {
            "score": ind,
            "change": scoring.change(ind.score, prior_i[pk].score if pk in prior_i else None),
        }
        for pk, ind in sorted(score.city.indicators.items(), key=lambda kv: scoring.Indicator.sort_key_for(kv[1].code))
    ]
    return {
        "round": round_,
        "score": score,
        "previous": previous,
        "city_change": scoring.change(score.city.score, before.city.score if before else None),
        "districts": districts,
        "indicators": indicators,
        "worst": _worst_items(round_),
        "definition": scoring.SCORE_RULE,
        "title": report_title(round_),
    }


def report_title(round_):
    """第2轮模拟测评 → 第2轮模拟测评报告; 12月专项 → 12月专项模拟测评报告."""
    name = round_.name
    return _("%(r)s报告") % {"r": name} if name.endswith("模拟测评") else _("%(r)s模拟测评报告") % {"r": name}


def signed(value):
    """+4.16 / -0.13 / 0.00, or — when there is nothing to compare with."""
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else str(value)


def report_html(round_):
    with translation.override("zh-hans"):
        return render_to_string("evaluations/report_print.html", round_report(round_))


def report_pdf(round_):
    problem = pdf_problem()
    if problem:
        raise ApplicationError(problem, code="conflict")
    from weasyprint import HTML

    return HTML(string=report_html(round_)).write_pdf()


def fmt(value, suffix=""):
    return "—" if value is None else f"{value}{suffix}"


def report_docx(round_):
    """The same report as an A4 .docx (headings, the two tables, the worst items with photos)."""
    from docx import Document
    from docx.shared import Cm, Pt

    data = round_report(round_)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    style = doc.styles["Normal"]
    style.font.size = Pt(12)
    with translation.override("zh-hans"):
        city = data["score"].city
        doc.add_heading(data["title"], level=0)
        doc.add_paragraph(
            _("测评时间：%(a)s 至 %(b)s；抽取点位 %(n)s 个，已测 %(d)s 个；随机种子 %(s)s。")
            % {
                "a": f"{round_.starts_on.year}年{round_.starts_on.month}月{round_.starts_on.day}日",
                "b": f"{round_.ends_on.year}年{round_.ends_on.month}月{round_.ends_on.day}日",
                "n": city.sites_total,
                "d": city.sites_answered,
                "s": round_.seed,
            }
        )
        doc.add_heading(_("一、总体得分"), level=1)
        doc.add_paragraph(
            _("模拟得分 %(s)s（百分制），失分 %(l)s，合格率 %(p)s；较上轮 %(c)s。")
            % {
                "s": fmt(city.score),
                "l": fmt(city.lost_shown),
                "p": fmt(figure(city.pass_rate, "%"), "%"),
                "c": signed(data["city_change"]),
            }
        )
        if city.negative_list_failed:
            doc.add_paragraph(_("负面清单考察内容不合格 %(n)s 处，须立即整改。") % {"n": city.negative_list_failed})
        doc.add_heading(_("二、各区得分"), level=1)
        table = doc.add_table(rows=1, cols=7)
        table.style = "Table Grid"
        headers = [_("名次"), _("区"), _("已测点位"), _("模拟得分"), _("失分"), _("合格率"), _("较上轮")]
        for cell, text in zip(table.rows[0].cells, headers, strict=True):
            cell.text = text
        for row in data["districts"]:
            d = row["score"]
            cells = table.add_row().cells
            values = [
                fmt(row["rank"]),
                d.name,
                f"{d.sites_answered}/{d.sites_total}",
                fmt(d.score),
                fmt(d.lost_shown),
                fmt(figure(d.pass_rate, "%"), "%"),
                signed(row["change"]),
            ]
            for cell, value in zip(cells, values, strict=True):
                cell.text = str(value)
        doc.add_heading(_("三、各指标得分"), level=1)
        table = doc.add_table(rows=1, cols=6)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells, [_("指标"), _("分值"), _("得分"), _("失分"), _("合格率"), _("较上轮")], strict=True
        ):
            cell.text = text
        for row in data["indicators"]:
            i = row["score"]
            cells = table.add_row().cells
            values = [
                f"{i.code} {i.name}",
                i.full,
                i.score,
                i.lost,
                fmt(figure(i.pass_rate, "%"), "%"),
                signed(row["change"]),
            ]
            for cell, value in zip(cells, values, strict=True):
                cell.text = str(value)
        doc.add_heading(_("四、问题较多的考察内容"), level=1)
        for n, item in enumerate(data["worst"], 1):
            doc.add_paragraph(
                _("%(n)s. %(t)s（指标 %(c)s，扣 %(p)s 分/处）：%(f)s 个点位不合格，共测 %(a)s 个。")
                % {
                    "n": n,
                    "t": item["item__text"],
                    "c": item["item__indicator__code"],
                    "p": item["item__points"],
                    "f": item["failed"],
                    "a": item["answered"],
                }
            )
            for photo in item["photos"]:
                if photo["path"]:
                    doc.add_picture(photo["path"], width=Cm(6))
                    doc.add_paragraph(photo["site"])
        doc.add_heading(_("五、计分口径"), level=1)
        doc.add_paragraph(str(data["definition"]))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
