"""What an app contributes to the import pages: one :class:`Importer` per kind of file.

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
