"""What accountability adds to the reports layer (registered in :meth:`AccountabilityConfig.ready`):
the 约谈、问责 and 通报表扬 of a period as a section of the weekly and monthly briefings, and the
deductions the campaign's :class:`~accountability.models.AccountabilityRules` call for, taken
off the units' 综合得分 and printed under the ranking."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chuangcheng.humantime import day
from chuangcheng.reports import contributions

from . import selectors


def briefing_section(campaign, region, start, end):
    data = selectors.for_briefing(campaign, region, start, end)
    if not any(data.values()):
        return None
    return {
        "tables": [
            {
                "caption": _("（一）约谈"),
                "headers": [
                    _("被约谈单位"),
                    _("约谈对象"),
                    _("约谈人"),
                    _("日期"),
                    _("事由"),
                    _("整改承诺"),
                    _("跟进日期"),
                ],
                "rows": [
                    [
                        i["unit"],
                        i["interviewee"],
                        i["interviewers"],
                        day(i["held_on"]),
                        i["reason"],
                        i["commitment"],
                        day(i["follow_up_date"]),
                    ]
                    for i in data["interviews"]
                ],
            },
            {
                "caption": _("（二）问责"),
                "headers": [
                    _("问责方式"),
                    _("单位"),
                    _("个人"),
                    _("决定日期"),
                    _("决定机关"),
                    _("文号"),
                    _("扣分"),
                    _("扣罚金额（元）"),
                ],
                "rows": [
                    [
                        d["kind_label"],
                        d["unit"],
                        d["person"],
                        day(d["decided_on"]),
                        d["decided_by"],
                        d["document_number"],
                        d["points"],
                        d["amount"],
                    ]
                    for d in data["decisions"]
                ],
            },
            {
                "caption": _("（三）通报表扬"),
                "headers": [_("单位"), _("个人"), _("日期"), _("文号"), _("事由")],
                "rows": [
                    [c["unit"], c["person"], day(c["commended_on"]), c["document_number"], c["reason"]]
                    for c in data["commendations"]
                ],
            },
        ]
    }


def register():
    contributions.register_section(
        "accountability",
        title=gettext_lazy("约谈问责与表扬"),
        build=briefing_section,
        kinds=("weekly", "monthly"),
        order=20,
    )
    contributions.register_deductions("accountability", selectors.deduction_details)
