"""The 测评方法 cell as standards publish it.

A real 测评体系 writes methods and the field-check instructions in one cell:

- ``实地考察：主次干道、商业大街、农贸市场，行走300米可看到5处公益广告``
- ``网上申报/材料审核（规范文件、说明报告、工作台账）``
- ``问卷调查；实地考察：公交站点``

:func:`parse_methods` splits it into the *set* of methods (the words before ``：`` or outside
brackets, separated by ``/、；，``) and the 考察要求 (everything after the colon and inside the
brackets, kept verbatim). The site types the 考察要求 names come from
:func:`chuangcheng.org.sitetypes.recognise_site_types`.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from chuangcheng.wording import join_list

from .models import EvaluationMethod

# Method → the words standards use for it (the label is always included).
METHOD_WORDS = {
    EvaluationMethod.FIELD: [
        "实地考察",
        "实地检查",
        "实地查看",
        "实地测评",
        "现场考察",
        "现场检查",
        "现场查看",
        "暗访",
    ],
    EvaluationMethod.DOCUMENT: ["材料审核", "资料审核", "材料审查", "资料审查", "查阅资料", "查看资料", "台账审核"],
    EvaluationMethod.SURVEY: ["问卷调查", "问卷", "满意度调查", "电话调查", "网络调查"],
    EvaluationMethod.ONLINE: ["网上申报", "网络申报", "网上填报", "系统申报", "网上测评", "网络测评"],
    EvaluationMethod.HOUSEHOLD: ["入户调查", "入户问卷", "入户走访"],
    EvaluationMethod.INTERVIEW: ["现场访谈", "访谈", "座谈", "现场询问", "随机访问"],
    EvaluationMethod.DATA: ["数据分析", "数据比对", "数据统计", "数据核查", "统计数据"],
}
_WORDS = {}
for _method, _names in METHOD_WORDS.items():
    for _name in {str(_method.label), *_names}:
        _WORDS[_name] = _method.value

_SEGMENTS = re.compile(r"[；;\n]+")
_SEPARATORS = re.compile(r"[/／、，,＋+和及与\s]+")
_BRACKETED = re.compile(r"[（(【\[]([^）)】\]]*)[）)】\]]")
_COLON = re.compile(r"[：:]")


@dataclass
class ParsedMethods:
    methods: list = field(default_factory=list)  # EvaluationMethod values, in order, once each
    requirements: str = ""  # 考察要求, verbatim
    unknown: list = field(default_factory=list)  # words that are not a method


def method_for(word):
    return _WORDS.get(word.strip())


def parse_methods(text):
    """``实地考察：主次干道、商业大街…`` → methods ``["field"]`` and the 考察要求 after the colon.

    A segment (split on ``；`` or a line break) is ``methods[：要求]``; brackets in the method
    part hold 要求 too. A segment without a colon whose words are not methods continues the
    previous segment's 要求 (a 要求 that itself contains ``；``)."""
    parsed = ParsedMethods()
    requirements = []
    for segment in _SEGMENTS.split((text or "").strip()):
        segment = segment.strip()
        if not segment:
            continue
        head, tail = segment, ""
        colon = _COLON.search(segment)
        if colon:
            head, tail = segment[: colon.start()], segment[colon.end() :].strip()
        notes = [m.strip() for m in _BRACKETED.findall(head) if m.strip()]
        head = _BRACKETED.sub(" ", head)
        words = [w for w in _SEPARATORS.split(head) if w]
        found = [method_for(w) for w in words]
        if not colon and requirements and any(m is None for m in found):
            requirements[-1] = f"{requirements[-1]}；{segment}"  # a 要求 that contained ；
            continue
        for word, method in zip(words, found, strict=True):
            if method is None:
                parsed.unknown.append(word)
            elif method not in parsed.methods:
                parsed.methods.append(method)
        requirements.extend([*notes, *([tail] if tail else [])])
    parsed.requirements = "；".join(requirements)
    return parsed


def known_method_words():
    return join_list(str(m.label) for m in EvaluationMethod)


def unknown_method_message(raw, unknown):
    return _("测评方法“%(v)s”中的“%(w)s”不是已知的测评方法（可识别：%(known)s；考察要求请写在“：”之后或括号内）") % {
        "v": raw,
        "w": join_list(unknown),
        "known": known_method_words(),
    }
