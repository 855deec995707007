"""What an app contributes to the import pages (one :class:`Importer` per kind of file) and to
the background exports (one :class:`Exporter` per list).

Apps register theirs in ``AppConfig.ready()`` (the lower layer knows only this registry)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Importer:
    """One kind of import.

    - ``form``: a :class:`~chuangcheng.imports.forms.UploadForm` subclass (the file plus this
      import's options); its ``options()`` gives the JSON kept on the batch.
    - ``may_import(user)``: who may use it.
    - ``preview(batch)``: the dry run — parse, match, check every row; raises
      :class:`~chuangcheng.tabular.ImportErrors`; returns what ``preview_template`` shows
      (anything with ``rows`` — a list — and ``summary()``).
    - ``apply(batch, progress)``: write it (the caller holds the transaction); calls
      ``progress(done, total)`` now and then; returns ``(summary, result)`` where ``result``
      is a JSON dict (e.g. ``{"url": …}`` to go on to).
    - ``background_rows``: above this many rows, confirming queues a job (progress shown on the
      page) instead of importing within the request.
    """

    kind: str
    label: Any
    form: type
    may_import: Callable
    preview: Callable
    apply: Callable
    preview_template: str
    help_lines: tuple = ()
    template_url: str = ""
    background_rows: int = 500
    order: int = 100
    extra: dict = field(default_factory=dict)


_importers = {}


def register(importer):
    _importers[importer.kind] = importer
    return importer


def get(kind):
    return _importers.get(kind)


def available(user):
    return sorted((i for i in _importers.values() if i.may_import(user)), key=lambda i: (i.order, i.kind))


# --- exports ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exporter:
    """One list that can be exported as .xlsx (the list page's 导出 button).

    - ``label``: the list's name — the file is ``<label>-YYYYMMDD-HHMM.xlsx``.
    - ``may_export(user)``: who may export it (the list page's own check).
    - ``rows(user, query)``: what the list page shows that person for ``query`` (a QueryDict:
      the page's query string) — its selector, filter and ``visible_to(user)`` scope, every
      page, ready to iterate (relations selected). Called within the request to decide, and
      again by the job when it runs.
    - ``workbook(rows)``: a write-only :class:`openpyxl.Workbook` of those rows (it iterates
      them once, in order); the caller saves it.
    - ``list_url``: the list page's URL name (the job page links back to the list as filtered).
    - ``filterset``: the list's FilterSet class: the export pages name its fields and choices
      (关键词=井盖 · 严重程度=较重, not ``q=井盖&severity=serious``).
    """

    kind: str
    label: Any
    may_export: Callable
    rows: Callable
    workbook: Callable
    list_url: str = ""
    filterset: Any = None


_exporters = {}


def register_exporter(exporter):
    _exporters[exporter.kind] = exporter
    return exporter


def get_exporter(kind):
    return _exporters.get(kind)


# How a finished export is announced to the person who asked: the notifications app (a higher
# layer) registers its outbox here — ``notify(*, recipients, kind, subject_key, window, title,
# body, url)``, one message per (recipient, subject, kind, window) however often it is called.
_notifiers = []


def register_notifier(notify):
    if notify not in _notifiers:
        _notifiers.append(notify)


def notify(**message):
    for notifier in _notifiers:
        notifier(**message)


# And how the announcement is marked read when the requester opens the export's page or file
# some other way than through the bell: ``mark_read(*, recipient, url, kind)``.
_readers = []


def register_reader(mark_read):
    if mark_read not in _readers:
        _readers.append(mark_read)


def mark_read(**notice):
    for reader in _readers:
        reader(**notice)
