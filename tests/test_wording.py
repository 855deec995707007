"""One separator for phrases joined for display, following the active language."""

from django.utils import translation
from django.utils.translation import gettext_lazy

from chuangcheng.wording import join_clauses


def test_clauses_join_as_the_language_does():
    items = ["缺少名称", gettext_lazy("缺少名称")]
    with translation.override("zh-hans"):
        assert join_clauses(items) == "缺少名称；缺少名称"
    with translation.override("en"):
        assert join_clauses(["a", "b"]) == "a; b"
    assert join_clauses([]) == ""
