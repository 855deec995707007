"""The printed definition of every figure in :mod:`chuangcheng.reports.figures`: formula, what
counts (and what "on time" means), and which timestamp places a record in the period. Shown next
to the figure on pages and in the API, once (an annex) in a briefing's files; a briefing keeps the
words it was built with, so an old briefing explains its own numbers.
"""

import functools
import re
from dataclasses import dataclass

from django.utils.translation import get_language, gettext_noop, pgettext
from django.utils.translation import gettext as _

from chuangcheng.wording import join_list
from tasks.selectors import LAG_THRESHOLD

# A definition printed with a setting in it (进度滞后任务's 20 个百分点). A briefing freezes it in
# Chinese with the number filled in, which is no msgid; :func:`numbered_text` finds the number
# again, so the frozen words read in another language with the number they were built with.
LAGGING_FORMULA = gettext_noop("尚未完成、已报进度落后按时间线性推算的应完成进度 %(n)s 个百分点及以上的任务数")
NUMBERED = (LAGGING_FORMULA,)


@dataclass(frozen=True)
class Definition:
    key: str
    label: str
    formula: str
    counts: str
    period: str

    def as_dict(self):
        # Five strings: a plain dict (dataclasses.asdict deep-copies each, for every figure of
        # every overview served).
        return {
            "key": self.key,
            "label": self.label,
            "formula": self.formula,
            "counts": self.counts,
            "period": self.period,
        }


def _n(value):
    """A setting as printed: 0.5, 2, 20 (no trailing zeros)."""
    return f"{float(value):g}"


def definitions(s):
    """Every figure's definition for the scoring rule ``s``, in display order. The words depend on
    the rule and the language only: written once per both and kept (about 90 translations; an
    overview served from the cache wrote them twice a request)."""
    return dict(_definitions(s, get_language()))


@functools.lru_cache(maxsize=32)
def _definitions(s, language):
    in_period = _("统计期内（北京时间，起止日均含）")
    at_end = _("统计期末（统计期未结束时为当前）的状态，按问题处理记录回溯，不受此后变化影响")
    by_deadline = _("以整改时限定期")
    tasks_at_end = _("统计期末（统计期未结束时为当前）；是否完成以验收通过时间判断")
    items = [
        ("issues_reported", pgettext("figure", "登记问题"), _("登记时间在统计期内的问题数"),
         _("含待受理、不予立案等各状态；与问题清单按登记日期筛选的结果一致"), in_period),
        ("issues_assigned", pgettext("figure", "新交办问题"), _("交办时间在统计期内的问题数"),
         _("立案交办、改派或反弹改派，均以最近一次交办时间为准"), in_period),
        ("issues_closed", _("销号问题"), _("销号时间在统计期内、目前仍为“已销号”的问题数"),
         _("经非整改单位核查通过后销号；销号后又反弹重办的不计"), in_period),
        ("issues_due", _("应销号问题"), _("整改时限落在统计期内的问题数"),
         _("不含转为长期整改和不予立案的问题；延期获批的按延期后的时限"), by_deadline),
        ("on_time_rate", _("按期销号率"), _("按期销号数 ÷ 应销号问题数 × 100%"),
         _("按期：销号时间不晚于整改时限；无应销号问题时不计算"), by_deadline),
        ("closure_rate", _("销号率"), _("应销号问题中已销号数 ÷ 应销号问题数 × 100%"),
         _("不论是否按期，截至生成通报时已销号即计入"), by_deadline),
        ("issues_in_hand", _("在办问题"), _("状态为已交办或整改中的问题数"),
         _("单位尚欠整改的问题；不含待核查、长期整改"), at_end),
        ("issues_open", _("未销号问题"), _("状态为已交办、整改中、待核查或长期整改的问题数"),
         _("在办问题加上待核查和长期整改的问题；不含待受理、不予立案"), at_end),
        ("issues_overdue_open", _("超期未改"), _("在办问题中整改时限已过的问题数"),
         _("已提交待核查、已销号、长期整改的不计；其中领导交办、媒体曝光、上级反馈的为重点来源问题"), at_end),
        ("not_overdue_rate", _("在办问题未超期率"), _("（在办问题 − 超期未改）÷ 在办问题 × 100%"),
         _("无在办问题时不计算"), at_end),
        ("rework_rate", _("返工率"), _("核查退回次数 ÷ 核查次数（销号＋退回）× 100%"),
         _("同一问题每次退回都计一次；无核查时不计算"), _("以核查时间定期，统计期内")),
        ("first_pass_rate", _("核查一次通过率"), _("100% − 返工率"), _("无核查时不计算"),
         _("以核查时间定期，统计期内")),
        ("recurrences", _("反弹"), _("反弹重办的次数"), _("已销号问题经督查确认再次出现、重新办理，每次计一起"),
         _("以反弹重办时间定期，统计期内")),
        ("extension_rate", _("延期率"), _("同意延期次数 ÷ 新交办问题数 × 100%"),
         _("单位申请、督查员同意的延期，每次计一次；不同意的不计；无新交办问题时不计算"),
         _("以同意延期时间和交办时间定期，统计期内")),
        ("refused_reassignments", _("推诿"), _("申请退回被督查员驳回的次数"),
         _("单位以属地不符、权属不清申请退回，经核实不成立、驳回的，每次计一次"), _("以驳回时间定期，统计期内")),
        ("integrity_flags", _("弄虚作假（核查确认）"), _("核查退回时该问题有被系统标记的整改后照片的次数"),
         _("标记：疑似重复照片（与其他问题的照片相同或高度相似）或拍摄时间早于问题登记；督查员见标记后退回即为确认"),
         _("以核查退回时间定期，统计期内")),
        ("mean_hours_to_close", _("平均办结时长"), _("统计期内销号问题（交办至销号）用时之和 ÷ 销号问题数，单位：小时"),
         _("按自然时间计算，含非工作时间"), _("以销号时间定期，统计期内")),
        ("issues_negative_list", _("负面清单问题"), _("统计期内交办的负面清单（立行立改）问题数"),
         _("严重程度为“负面清单”的问题，须当日整改"), in_period),
        ("tasks_due", _("到期任务"), _("完成时限在统计期内的任务数"),
         _("已分解的任务按子任务计，常态化任务按每期任务计"), _("以完成时限定期")),
        ("tasks_done", _("完成任务"), _("统计期内验收通过的任务数"), _("状态为“已完成”，以验收通过时间为准"), in_period),
        ("task_on_time_rate", _("任务按期完成率"), _("到期任务中按期完成数 ÷ 到期任务数 × 100%"),
         _("按期：在完成时限当日或之前验收通过；无到期任务时不计算"), _("以完成时限定期")),
        ("tasks_overdue", _("超期未完成任务"), _("完成时限已过、统计期末尚未验收通过的任务数"),
         _("已分解的任务按子任务计，常态化任务按每期任务计"), tasks_at_end),
        ("tasks_lagging", _("进度滞后任务"),
         _(LAGGING_FORMULA) % {"n": LAG_THRESHOLD},
         _("应完成进度 = 已过天数 ÷ 总天数（开始日期至完成时限）；按生成时已报进度计"), tasks_at_end),
        ("task_on_track_rate", _("任务进度达标率"), _("（在办任务 − 进度滞后任务）÷ 在办任务 × 100%"),
         _("在办任务：已开始、统计期末尚未完成的任务；无在办任务时不计算"), tasks_at_end),
        ("score", _("综合得分"), score_formula(s), score_counts(s), _("与各项指标的统计期相同")),
        ("ranked", _("参与排名"), sample_rule(s),
         _("样本不足的单位列为“不参与排名（样本不足）”，不计得分、不排名、不授旗"), _("与各项指标的统计期相同")),
        ("rank", _("排名"), _("按综合得分从高到低排列"), rank_rule(s), _("与各项指标的统计期相同")),
    ]  # fmt: skip
    return {key: Definition(key, label, formula, counts, period) for key, label, formula, counts, period in items}


def score_formula(s):
    return _(
        "基础分 = 各项比率的加权平均（按期销号率 %(a)s、在办问题未超期率 %(b)s、任务按期完成率 %(c)s、"
        "核查一次通过率 %(d)s、任务进度达标率 %(e)s）；综合得分 = 基础分 − 扣分，最低 0 分"
    ) % {
        "a": s.weight_issue_on_time,
        "b": s.weight_issue_not_overdue,
        "c": s.weight_task_on_time,
        "d": s.weight_no_rework,
        "e": s.weight_task_on_track,
    }


def deduction_text(s):
    """ "超期未改每个 0.5 分（重点来源问题 ×2）、…" — the deductions with a weight."""
    parts = [
        (s.deduct_overdue_issue, _("超期未改每个 %(p)s 分（重点来源问题 ×%(k)s）")),
        (s.deduct_overdue_task, _("超期未完成任务每项 %(p)s 分")),
        (s.deduct_rework, _("返工每次 %(p)s 分")),
        (s.deduct_recurrence, _("反弹每起 %(p)s 分")),
        (s.deduct_extension, _("延期每次 %(p)s 分")),
        (s.deduct_refused_reassignment, _("推诿每次 %(p)s 分")),
        (s.deduct_integrity, _("弄虚作假每次 %(p)s 分")),
    ]
    shown = [text % {"p": _n(points), "k": _n(s.key_source_factor)} for points, text in parts if points]
    return join_list(shown) if shown else _("无")


def _pattern(template):
    """The regular expression matching ``template`` with its ``%(name)s`` filled in."""
    parts = re.split(r"%\((\w+)\)s", template)
    return re.compile(
        "".join(re.escape(part) if i % 2 == 0 else rf"(?P<{part}>[\d.]+)" for i, part in enumerate(parts))
    )


def numbered_text(text):
    """A frozen definition with a number in it (written in Chinese when the briefing was built)
    in the active language, with that number; ``None`` when ``text`` is no such definition."""
    for template in NUMBERED:
        match = _pattern(template).fullmatch(text)
        if match:
            return _(template) % match.groupdict()
    return None


def score_counts(s):
    return _(
        "扣分：%(d)s。在办问题未超期率 = 1 − 超期未改 ÷ 在办问题；核查一次通过率 = 100%% − 返工率；"
        "任务进度达标率 = 在办任务中未滞后的比例。无数据的比率不计入，其余权重按比例折算。"
        "各项比率保留两位小数后计算，基础分、扣分、综合得分均保留两位小数"
    ) % {"d": deduction_text(s)}


def sample_rule(s):
    if s.min_due_tasks:
        return _("统计期内应销号问题不少于 %(i)s 个，或到期任务不少于 %(t)s 项") % {
            "i": s.min_due_issues,
            "t": s.min_due_tasks,
        }
    return _("统计期内应销号问题不少于 %(i)s 个") % {"i": s.min_due_issues}


def rank_rule(s):
    return _(
        "同类同级单位之间排名：属地（块）与职能部门（条）、其他单位分开，区县、街道、市直、区直各自排名。"
        "得分相同的，超期未改问题少者在前；仍相同的，返工次数少者在前；再相同的名次并列。"
        "每类参与排名单位中，前 %(p)s%%（向下取整，最多 %(n)s 个）授红旗、后 %(p)s%% 授黑旗；"
        "名次并列的单位跨越授旗名额界限时，均不授旗"
    ) % {"p": s.flag_share, "n": s.flag_count}
