"""Joining phrases for display in the reader's language.

A row's import problems, a unit's deductions, a list of notes: in Chinese they read
``缺少名称；完成时限无法识别``, in English ``Missing name; deadline not understood``. One place
decides the separator (the catalogue's ``clause separator``), so no list joins with “；” in English.
"""

from django.utils.translation import ngettext, pgettext


def clause_separator():
    """“；” in Chinese, “; ” in English."""
    return pgettext("clause separator", "；")


def join_clauses(items):
    """``items`` (strings or lazy translations) as one text, separated as the active language
    separates clauses."""
    return clause_separator().join(str(item) for item in items)


def list_separator():
    """“、” in Chinese, “, ” in English."""
    return pgettext("list separator", "、")


def working_days(n):
    """“3 个工作日”, in English “3 working days” (“1 working day”)."""
    return ngettext("%(n)s 个工作日", "%(n)s 个工作日", n) % {"n": n}


def join_list(items):
    """``items`` as an enumeration (names, codes, years), separated as the active language does."""
    return list_separator().join(str(item) for item in items)


def labelled(label, value):
    """``label：value`` — a title's heading and its subject (“问题已超期 3 天：#7 占道经营”), in
    English “Issue overdue by 3 days: #7 占道经营”."""
    return f"{label}{pgettext('label: value', '：')}{value}"
