"""The briefing as PDF (WeasyPrint + a CJK font): the print template over the shared context."""

import functools
import glob
import os.path
import shutil
import subprocess
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError

from .context import briefing_context, typical_items

CJK_FONT_PATTERNS = ("*CJK*", "*SourceHan*", "*wqy*", "*WenQuanYi*", "*simsun*", "*msyh*", "*SimHei*", "*FangSong*")
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts")
# Bump when the print layout changes: PDFs rendered with the old layout are then re-rendered.
PDF_LAYOUT = 3


@functools.cache
def _has_cjk_font():
    fc_list = shutil.which("fc-list")
    if fc_list:
        result = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=20, check=False
        )
        return bool(result.stdout.strip())
    return any(
        glob.glob(os.path.join(os.path.expanduser(d), "**", p), recursive=True)
        for d in FONT_DIRS
        for p in CJK_FONT_PATTERNS
    )


@functools.cache
def _has_engine():
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # OSError: the Pango libraries it loads are missing
        return False
    return True


def pdf_problem():
    """Why this server cannot make a readable PDF (``None`` when it can)."""
    if not _has_engine():
        return _(
            "本服务器未安装 PDF 生成组件 WeasyPrint（或其依赖的 Pango 库），暂不能下载 PDF，请下载 Word 或 Excel 版本。"
        )
    if not _has_cjk_font():
        return _(
            "本服务器缺少中文字体（如 fonts-noto-cjk），生成的 PDF 汉字会显示为方框，暂不能下载 PDF，"
            "请下载 Word 或 Excel 版本。"
        )
    return None


def photo_path(name):
    """A stored photo's local file, or ``None`` (missing, or a storage without local paths)."""
    if not name:
        return None
    try:
        path = default_storage.path(name)
    except NotImplementedError:
        return None
    return path if os.path.exists(path) else None


def _with_photo_urls(ctx):
    for item in typical_items(ctx["content"]):
        for kind in ("before", "after"):
            path = photo_path(item.get("photos", {}).get(kind, {}).get("file"))
            item[f"{kind}_src"] = Path(path).as_uri() if path else ""
    return ctx


def briefing_html(briefing):
    with translation.override("zh-hans"):
        return render_to_string("reports/briefing_print.html", _with_photo_urls(briefing_context(briefing)))


def briefing_pdf(briefing):
    """The PDF. A published briefing never changes: rendered once and kept in the media storage
    (a city-wide one is dozens of pages). A draft is rendered afresh each time."""
    problem = pdf_problem()
    if problem:
        raise ApplicationError(problem, code="conflict")
    from weasyprint import HTML

    if not briefing.is_published:
        return HTML(string=briefing_html(briefing)).write_pdf()
    name = f"briefings/{briefing.pk}/briefing-{briefing.pk}-v{PDF_LAYOUT}.pdf"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    data = HTML(string=briefing_html(briefing)).write_pdf()
    default_storage.save(name, ContentFile(data))  # a concurrent render saves under another name
    return data
