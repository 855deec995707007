"""The dossier as a zip, laid out as the 网上申报 expects: one folder per indicator (code and
name), a folder per year inside it, the approved files under their titles, and ``目录.xlsx``
(编号, 指标, 材料, 文件名, 文号, 日期, 审核状态, SHA-256) listing every approved file and every
requirement still short of one.

Streamed: :func:`zip_chunks` yields the archive piece by piece while it reads each file from
storage in 1 MB chunks, so memory stays flat whatever the dossier weighs (measured by
``python -m chuangcheng.bench.dossier_export``). Files are read through Django's storage API
only (local disk or an S3-compatible bucket).
"""

import io
import re
import zipfile
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from chuangcheng.campaigns.models import Indicator
from chuangcheng.xlsx import append_row

from .models import Material, MaterialStatus, Requirement

CHUNK = 1 << 20
INDEX_NAME = "目录.xlsx"
UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_name(text, limit=80):
    """A file or folder name every unzip tool accepts (no separators, no control characters)."""
    cleaned = UNSAFE.sub("_", str(text)).strip(" .") or "_"
    return cleaned[:limit].rstrip(" .") or "_"


def indicator_folder(indicator):
    return safe_name(f"{indicator.code} {indicator.name}")


def branch_ids(standard_id, root=None):
    """Ids of the standard's indicators, or of ``root`` and everything under it (one query)."""
    pairs = list(Indicator.objects.filter(standard_id=standard_id).values_list("pk", "parent_id"))
    if root is None:
        return {pk for pk, _parent in pairs}
    children = {}
    for pk, parent in pairs:
        children.setdefault(parent, []).append(pk)
    out, stack = set(), [root.pk]
    while stack:
        pk = stack.pop()
        out.add(pk)
        stack.extend(children.get(pk, ()))
    return out


@dataclass
class Entry:
    """One line of the index; ``version`` set when a file goes into the zip at ``path``."""

    code: str
    indicator: str
    requirement: str
    path: str = ""
    document_number: str = ""
    document_date: str = ""
    status: str = ""
    sha256: str = ""
    version: object = None


def plan(campaign, standard, root=None):
    """What goes into the zip and the index, in indicator order (metadata only, no file bytes)."""
    ids = branch_ids(standard.pk, root)
    requirements = list(
        Requirement.objects.filter(campaign=campaign, indicator_id__in=ids)
        .select_related("indicator")
        .order_by("indicator__sort_key", "id")
    )
    materials = {}
    for material in (
        Material.objects.filter(requirement__in=[r.pk for r in requirements])
        .select_related("current_version")
        .order_by("created_at", "id")
    ):
        materials.setdefault(material.requirement_id, []).append(material)
    statuses = dict(MaterialStatus.choices)
    entries, used = [], set()
    for requirement in requirements:
        indicator = requirement.indicator
        line = {"code": indicator.code, "indicator": indicator.name, "requirement": requirement.name}
        mine = materials.get(requirement.pk, [])
        for material in mine:
            version = material.current_version
            if material.status != MaterialStatus.APPROVED:
                entries.append(
                    Entry(**line, document_number=version.document_number, status=str(statuses[material.status]))
                )
                continue
            path = _unique(
                f"{indicator_folder(indicator)}/{version.year}/{safe_name(version.title)}.{version.extension}", used
            )
            entries.append(
                Entry(
                    **line,
                    path=path,
                    document_number=version.document_number,
                    document_date=f"{version.document_date:%Y-%m-%d}" if version.document_date else "",
                    status=str(statuses[material.status]),
                    sha256=version.sha256,
                    version=version,
                )
            )
        if not mine:
            entries.append(Entry(**line, status=str(requirement.get_status_display())))
    return entries


def _unique(path, used):
    stem, dot, ext = path.rpartition(".")
    candidate, n = path, 1
    while candidate in used:
        n += 1
        candidate = f"{stem} ({n}){dot}{ext}"
    used.add(candidate)
    return candidate


def index_workbook(entries):
    """目录.xlsx: one row per index entry (small: metadata only)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("目录"))
    append_row(sheet, [_("编号"), _("指标"), _("材料"), _("文件名"), _("文号"), _("日期"), _("审核状态"), "SHA-256"])
    for e in entries:
        append_row(
            sheet, [e.code, e.indicator, e.requirement, e.path, e.document_number, e.document_date, e.status, e.sha256]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class _Sink:
    """The zip's output: collects what :class:`zipfile.ZipFile` writes until it is taken.
    It can tell but not seek, so ``zipfile`` writes data descriptors (the streaming layout)."""

    def __init__(self):
        self._parts, self._position = [], 0

    def write(self, data):
        self._parts.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self):
        return self._position

    def flush(self):
        pass

    def take(self):
        data = b"".join(self._parts)
        self._parts = []
        return data


def _info(path, when):
    local = timezone.localtime(when)
    info = zipfile.ZipInfo(path, date_time=(max(local.year, 1980), local.month, local.day, local.hour, local.minute, 0))
    info.compress_type = zipfile.ZIP_STORED  # PDFs, images and Office files are compressed already
    info.external_attr = 0o644 << 16
    return info


def zip_chunks(entries, *, chunk_size=CHUNK):
    """Yield the zip archive of ``entries`` (from :func:`plan`) piece by piece."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", allowZip64=True) as archive:
        for entry in entries:
            version = entry.version
            if version is None:
                continue
            info = _info(entry.path, version.uploaded_at)
            info.file_size = version.size
            with version.file.open("rb") as source, archive.open(info, mode="w") as target:
                while chunk := source.read(chunk_size):
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
        archive.writestr(_info(INDEX_NAME, timezone.now()), index_workbook(entries))
    yield sink.take()


def export_filename(campaign, root=None):
    today = timezone.localdate()
    branch = f"-{safe_name(root.code)}" if root is not None else ""
    return (
        safe_name(_("档案资料-%(c)s%(b)s-%(d)s") % {"c": campaign.name, "b": branch, "d": f"{today:%Y%m%d}"}) + ".zip"
    )
