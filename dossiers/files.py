"""Checking a dossier upload by its bytes: type sniffed (``filetype``), size limited, sha256.

A file's type is what its content says, never its name: an HTML page renamed ``.pdf`` has no
PDF signature and is refused. Dossier files are never served inline as HTML (see
:func:`dossiers.views.version_file`): everything goes out as a download with the sniffed type.
"""

import hashlib

import filetype
from django.conf import settings
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.uploads import DOCUMENT_TYPES, IMAGE_TYPES

DOSSIER_TYPES = DOCUMENT_TYPES | IMAGE_TYPES | {"zip"}


def max_bytes():
    return settings.DOSSIER_MAX_UPLOAD_MB * 1024 * 1024


def check_dossier_file(upload, field="file"):
    """``(extension, mime, size, sha256)`` of an upload, or a clear :class:`ApplicationError`.
    Reads the file once in chunks (never whole into memory)."""
    name = getattr(upload, "name", "") or _("未命名文件")
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if not size:
        raise ApplicationError(_("文件“%(n)s”是空的。") % {"n": name}, field=field)
    if size > max_bytes():
        raise ApplicationError(
            _("文件“%(n)s”有 %(s).1f MB，超过 %(m)d MB 的上限。")
            % {"n": name, "s": size / 1048576, "m": settings.DOSSIER_MAX_UPLOAD_MB},
            field=field,
        )
    upload.seek(0)
    kind = filetype.guess(upload.read(8192))
    if kind is None or kind.extension not in DOSSIER_TYPES:
        raise ApplicationError(
            _("文件“%(n)s”的内容不是允许的类型（只接受 PDF、Word、Excel、图片和 zip 压缩包）。") % {"n": name},
            field=field,
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b""):
        digest.update(chunk)
    upload.seek(0)
    return kind.extension, kind.mime, size, digest.hexdigest()
