"""The written definition of every figure in :mod:`chuangcheng.reports.figures`: formula, what
counts (and what "on time" means), and which timestamp places a record in the period. Shown next
to the figure wherever it appears; a briefing keeps the words it was built with.
"""

from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _

from tasks.selectors import LAG_THRESHOLD


@dataclass(frozen=True)
class Definition:
    """How a figure is computed, in the words shown next to it: the formula, what counts (and
    what "on time" means), and which timestamp places a record in the period."""

    key: str
    label: str
    formula: str
    counts: str
    period: str

    def as_dict(self):
        return asdict(self)


def definitions(s):
    """Every figure's definition, in display order (``{key: Definition}``). The briefing keeps
    the words it was built with, so an old briefing explains its own numbers."""
    in_period = _("统计期内（北京时间，起止日均含）")
    at_end = _("截至统计期末；统计期未结束时截至当前")
    items = [
        Definition(
            "issues_assigned",
            _("新交办问题"),
            _("交办时间在统计期内的问题数"),
            _("立案交办、改派或反弹改派，均以最近一次交办时间为准"),
            in_period,
        ),
        Definition(
            "issues_closed",
            _("销号问题"),
            _("销号时间在统计期内、目前仍为“已销号”的问题数"),
            _("经非整改单位核查通过后销号；销号后又反弹重办的不计"),
            in_period,
        ),
        Definition(
            "issues_due",
            _("应销号问题"),
            _("整改时限落在统计期内的问题数"),
            _("不含转为长期整改和不予立案的问题；延期获批的按延期后的时限"),
            _("以整改时限定期"),
        ),
        Definition(
            "on_time_rate",
            _("按期销号率"),
            _("按期销号数 ÷ 应销号问题数 × 100%"),
            _("按期：销号时间不晚于整改时限（与核查销号时记录的“是否按期”一致）；无应销号问题时不计算"),
            _("以整改时限定期"),
        ),
        Definition(
            "closure_rate",
            _("销号率"),
            _("应销号问题中已销号数 ÷ 应销号问题数 × 100%"),
            _("不论是否按期，截至生成通报时已销号即计入"),
            _("以整改时限定期"),
        ),
        Definition(
            "issues_overdue_open",
            _("超期未改"),
            _("已交办或整改中、整改时限早于统计期末的问题数"),
            _("按生成通报时的状态：已提交待核查、已销号、长期整改的不计"),
            at_end,
        ),
        Definition(
            "rework_rate",
            _("返工率"),
            _("核查退回次数 ÷ 核查次数（销号＋退回）× 100%"),
            _("同一问题每次退回都计一次；无核查时不计算"),
            _("以核查时间定期，统计期内"),
        ),
        Definition(
            "recurrences",
            _("反弹"),
            _("反弹重办的次数"),
            _("已销号问题经督查确认再次出现、重新办理，每次计一起"),
            _("以反弹重办时间定期，统计期内"),
        ),
        Definition(
            "mean_hours_to_close",
            _("平均办结时长"),
            _("统计期内销号问题（交办至销号）用时之和 ÷ 销号问题数，单位：小时"),
            _("按自然时间计算，含非工作时间"),
            _("以销号时间定期，统计期内"),
        ),
        Definition(
            "issues_negative_list",
            _("负面清单问题"),
            _("统计期内交办的负面清单（立行立改）问题数"),
            _("严重程度为“负面清单”的问题，须当日整改"),
            in_period,
        ),
        Definition(
            "tasks_due",
            _("到期任务"),
            _("完成时限在统计期内的任务数"),
            _("已分解的任务按子任务计，常态化任务按每期任务计"),
            _("以完成时限定期"),
        ),
        Definition(
            "tasks_done",
            _("完成任务"),
            _("统计期内验收通过的任务数"),
            _("状态为“已完成”，以验收通过时间为准"),
            in_period,
        ),
        Definition(
            "task_on_time_rate",
            _("任务按期完成率"),
            _("到期任务中按期完成数 ÷ 到期任务数 × 100%"),
            _("按期：在完成时限当日或之前验收通过；无到期任务时不计算"),
            _("以完成时限定期"),
        ),
        Definition(
            "tasks_overdue",
            _("超期未完成任务"),
            _("完成时限在统计期末或之前、尚未完成的任务数"),
            _("按生成通报时的状态"),
            at_end,
        ),
        Definition(
            "tasks_lagging",
            _("进度滞后任务"),
            _("尚未完成、已报进度落后按时间线性推算的应完成进度 %(n)s 个百分点及以上的任务数") % {"n": LAG_THRESHOLD},
            _("应完成进度 = 已过天数 ÷ 总天数（开始日期至完成时限）"),
            at_end,
        ),
        Definition(
            "score",
            _("综合得分"),
            _(
                "各项比率加权平均（问题按期销号率 %(a)s、在办问题未超期率 %(h)s、任务按期完成率 %(b)s、"
                "核查一次通过率 %(c)s、任务进度达标率 %(d)s），再扣除：每个超期未改问题 %(e)s 分、"
                "每项超期未完成任务 %(f)s 分、每起反弹 %(g)s 分；最低 0 分"
            )
            % {
                "a": s.weight_issue_on_time,
                "h": s.weight_issue_not_overdue,
                "b": s.weight_task_on_time,
                "c": s.weight_no_rework,
                "d": s.weight_task_on_track,
                "e": s.deduct_overdue_issue,
                "f": s.deduct_overdue_task,
                "g": s.deduct_recurrence,
            },
            _(
                "在办问题未超期率 = 1 − 超期未改 ÷ 在办问题（已交办或整改中）；核查一次通过率 = 100% − 返工率；"
                "任务进度达标率 = 在办任务中未滞后的比例。无数据的比率不计，"
                "权重按比例折算；没有任何可计算比率时以 100 分为基数"
            ),
            _("与各项指标的统计期相同"),
        ),
        Definition(
            "rank",
            _("排名"),
            _("按综合得分从高到低排列，得分相同名次相同"),
            _(
                "同类同级单位之间排名：属地（块）与职能部门（条）、其他单位分开，区县、街道、市直、区直各自排名；"
                "统计期内无任何数据的单位不参与排名。"
                "每类前 %(n)s 名授红旗、后 %(n)s 名授黑旗，名次并列的一并授旗（N 不超过该类单位数的一半）"
            )
            % {"n": s.flag_count},
            _("与各项指标的统计期相同"),
        ),
    ]
    return {d.key: d for d in items}
